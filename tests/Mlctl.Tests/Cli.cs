using Mlctl.Cli;

namespace Mlctl.Tests;

/// <summary>Runs mlctl in-process with its own variables, folder and captured output.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error);

public static class Cli
{
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aspire.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Aspire.sln not found above the test folder.");
    }

    public static string Sample(string relative) => Path.Combine(RepositoryRoot(), "samples", "azureml", relative);

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> variables, string folder, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new MlctlEnvironment(v => variables.GetValueOrDefault(v), folder, output, error, interactive: false);
        var code = await MlctlApp.RunAsync(args, env);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
