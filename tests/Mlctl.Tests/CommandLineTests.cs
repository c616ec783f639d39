using System.Net;
using System.Net.Sockets;
using Mlctl.Cli;

namespace Mlctl.Tests;

/// <summary>The command line without a platform: exit codes, and that a refused file is refused before any call.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlctl-cli-").FullName;

    /// <summary>An address nothing listens on: a command that called the platform would exit with Unavailable.</summary>
    private static Dictionary<string, string?> Offline()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new() { ["MLCTL_URL"] = $"http://127.0.0.1:{port}", ["MLCTL_ADMIN_KEY"] = "k", ["MLCTL_CONFIG"] = "/nonexistent/mlctl.json" };
    }

    [Fact]
    public async Task An_invalid_deployment_file_exits_3_naming_file_field_and_rule_without_calling_the_platform()
    {
        var file = Path.Combine(_dir, "deployment.yml");
        await File.WriteAllTextAsync(file, "name: blue\nendpoint_name: ep\nmodel: azureml:m:1\ninstance_count: 0\nwhatever: 1\n");

        var run = await Cli.RunAsync(Offline(), _dir, "deployment", "create", "-f", "deployment.yml");

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains($"{file}: instance_count: must be between 1 and 100", run.Error);
        Assert.Contains($"{file}: whatever: is not a field this file takes", run.Error);
    }

    [Fact]
    public async Task Model_deploy_judges_both_v1_files_before_calling_the_platform()
    {
        var ic = Path.Combine(_dir, "ic.json");
        var dc = Path.Combine(_dir, "dc.json");
        await File.WriteAllTextAsync(ic, """{ "runtime": "python" }""");
        await File.WriteAllTextAsync(dc, """{ "computeType": "batch" }""");

        var run = await Cli.RunAsync(Offline(), _dir, "model", "deploy", "-n", "svc", "-m", "m:1", "--ic", "ic.json", "--dc", "dc.json");

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains($"{ic}: entryScript: is required", run.Error);
        Assert.Contains($"{dc}: computeType: must be local, aci or aks", run.Error);
    }

    [Fact]
    public async Task A_missing_required_flag_or_an_unconfirmed_delete_is_a_usage_error()
    {
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Offline(), _dir, "endpoint", "invoke", "-n", "ep")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Offline(), _dir, "endpoint", "delete", "-n", "ep")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Offline(), _dir, "--output", "xml", "endpoint", "list")).ExitCode);
    }

    [Fact]
    public async Task An_unreachable_platform_exits_7_saying_where_it_looked()
    {
        var variables = Offline();

        var run = await Cli.RunAsync(variables, _dir, "endpoint", "list");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains(variables["MLCTL_URL"]!, run.Error);
    }

    [Fact]
    public void Settings_come_from_variables_then_the_login_file_then_the_checkout_admin_key()
    {
        var checkout = Path.Combine(_dir, "checkout");
        Directory.CreateDirectory(Path.Combine(checkout, ".data"));
        File.WriteAllText(Path.Combine(checkout, ".data", "admin-key"), "checkout-key\n");
        var work = Directory.CreateDirectory(Path.Combine(checkout, "models")).FullName;
        var config = Path.Combine(_dir, "config.json");
        MlctlEnvironment Env(Dictionary<string, string?> v) => new(x => v.GetValueOrDefault(x), work, TextWriter.Null, TextWriter.Null, false);

        var fromCheckout = Mlctl.Configuration.MlctlSettings.Resolve(Env(new() { ["MLCTL_CONFIG"] = config }));
        Assert.Equal(("http://127.0.0.1:8080/", "checkout-key"), (fromCheckout.Url.ToString(), fromCheckout.AdminKey));

        Mlctl.Configuration.MlctlSettings.Save(Env(new() { ["MLCTL_CONFIG"] = config }), new Uri("http://platform:9000"), "login-key");
        var fromLogin = Mlctl.Configuration.MlctlSettings.Resolve(Env(new() { ["MLCTL_CONFIG"] = config }));
        Assert.Equal(("http://platform:9000/", "login-key"), (fromLogin.Url.ToString(), fromLogin.AdminKey));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));

        var fromVariables = Mlctl.Configuration.MlctlSettings.Resolve(Env(new() { ["MLCTL_CONFIG"] = config, ["MLCTL_URL"] = "http://other:1", ["MLCTL_ADMIN_KEY"] = "env-key" }));
        Assert.Equal(("http://other:1/", "env-key"), (fromVariables.Url.ToString(), fromVariables.AdminKey));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
