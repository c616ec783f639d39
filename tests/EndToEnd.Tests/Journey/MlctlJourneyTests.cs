using System.Text.Json;
using System.Text.Json.Nodes;
using Mlctl.Cli;
using Platform.Client;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// mlctl against the running platform, on Azure ML's own files (samples/azureml, and files written as its docs show):
/// what `az ml` users type, with the exit codes scripts rely on.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class MlctlJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("mlctl-e2e-").FullName;
    private readonly PlatformClient _platform = new(journey.Platform.GatewayHttpUri, journey.Platform.AdminKey);

    private static string V1File => Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx");

    private static string Sample(string relative) => Path.Combine(JourneyClient.RepositoryRoot(), "samples", "azureml", relative);

    private sealed record Run(int ExitCode, string Output, string Error);

    private async Task<Run> MlctlAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var variables = new Dictionary<string, string?>
        {
            ["MLCTL_URL"] = journey.Platform.GatewayHttpUri.ToString(),
            ["MLCTL_ADMIN_KEY"] = journey.Platform.AdminKey,
            ["MLCTL_CONFIG"] = Path.Combine(_dir, "no-config.json"),
        };
        var code = await MlctlApp.RunAsync(args, new MlctlEnvironment(v => variables.GetValueOrDefault(v), _dir, output, error, interactive: false));
        return new Run(code, output.ToString(), error.ToString());
    }

    private async Task<Run> OkAsync(params string[] args)
    {
        var run = await MlctlAsync(args);
        Assert.True(run.ExitCode == 0, $"mlctl {string.Join(' ', args)} exited {run.ExitCode}:\n{run.Error}\n{run.Output}");
        return run;
    }

    [Fact]
    public async Task Model_register_then_deploy_with_v1_deploymentconfig_then_invoke_and_get_keys()
    {
        var model = $"cli-{_suffix}";
        var service = $"svc-{_suffix}";
        File.Copy(V1File, Path.Combine(_dir, "model.onnx"));

        var registered = JsonNode.Parse((await OkAsync("model", "register", "-n", model, "-p", "model.onnx", "--tag", "stage=test", "--description", "cli", "-o", "json")).Output)!;
        Assert.Equal(1, (int)registered["version"]!);
        Assert.Equal("test", (string)registered["tags"]!["stage"]!);

        var deployed = await OkAsync("model", "deploy", "-n", service, "-m", $"{model}:1", "--dc", Sample("v1/deploymentconfig.json"), "-o", "json");
        var deployment = JsonNode.Parse(deployed.Output)!;
        Assert.Equal("Healthy", (string)deployment["state"]!);
        Assert.Equal(0.5, (double)deployment["cpuCores"]!);
        Assert.Contains($"{service}/default: Healthy", deployed.Error); // progress went to stderr
        Assert.Equal("key", (await _platform.Endpoints.GetAsync(service)).AuthMode); // authEnabled: true

        var keys = JsonNode.Parse((await OkAsync("endpoint", "get-keys", "-n", service, "-o", "json")).Output)!;
        Assert.Equal((await _platform.Endpoints.GetKeysAsync(service)).PrimaryKey, (string)keys["primaryKey"]!);

        await File.WriteAllTextAsync(Path.Combine(_dir, "request.json"), JsonSerializer.Serialize(new { data = JourneyClient.Rows }));
        var answer = await InvokeUntilRoutedAsync("endpoint", "invoke", "-n", service, "--request-file", "request.json");
        AssertClose(JourneyClient.Expected(V1File), JsonSerializer.Deserialize<double[][]>(answer.Output)!);

        var yaml = await OkAsync("deployment", "show", "-n", "default", "--endpoint-name", service, "-o", "yaml");
        Assert.Contains("state: Healthy", yaml.Output);
        var table = await OkAsync("endpoint", "list");
        Assert.Contains(service, table.Output);

        // A second deploy of the same service without --overwrite: a conflict, exit 5.
        var again = await MlctlAsync("model", "deploy", "-n", service, "-m", $"{model}:1", "--dc", Sample("v1/deploymentconfig.json"));
        Assert.Equal(ExitCodes.Conflict, again.ExitCode);
        Assert.Contains("--overwrite", again.Error);

        await OkAsync("endpoint", "delete", "-n", service, "--yes");
        Assert.Equal(ExitCodes.NotFound, (await MlctlAsync("endpoint", "show", "-n", service)).ExitCode);
    }

    [Fact]
    public async Task Model_deploy_with_v1_inferenceconfig_builds_the_conda_environment_and_serves_the_entry_script_unchanged()
    {
        var model = $"cli-script-{_suffix}";
        var service = $"svc-script-{_suffix}";
        // The model's files are the script's business (this score.py reads none): any folder registers as custom.
        await File.WriteAllTextAsync(Path.Combine(_dir, "weights.txt"), "2.0");
        await OkAsync("model", "register", "-n", model, "-p", "weights.txt", "--model-framework", "custom");

        // Azure ML's v1 pair as its docs write them: entryScript + condaFile + sourceDirectory, an ACI deploymentconfig.
        var deployed = await OkAsync("model", "deploy", "-n", service, "-m", $"{model}:1",
            "--ic", Sample("v1/inferenceconfig.json"), "--dc", Sample("v1/deploymentconfig.json"), "-o", "json");
        var deployment = JsonNode.Parse(deployed.Output)!;
        Assert.Equal("Healthy", (string)deployment["state"]!);
        Assert.Equal("score.py", (string)deployment["entryScript"]!);

        await File.WriteAllTextAsync(Path.Combine(_dir, "request.json"), """{"data": [[1, 2], [3, 4]]}""");
        var answer = await InvokeUntilRoutedAsync("endpoint", "invoke", "-n", service, "--request-file", "request.json");
        Assert.Equal([[2.0, 4.0], [6.0, 8.0]], JsonSerializer.Deserialize<double[][]>(answer.Output)!);

        await OkAsync("endpoint", "delete", "-n", service, "--yes");
    }

    [Fact]
    public async Task Endpoint_and_deployment_yaml_create_a_serving_endpoint_with_all_traffic_and_refused_files_create_nothing()
    {
        var endpoint = $"yml-{_suffix}";
        File.Copy(V1File, Path.Combine(_dir, "model.onnx"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "endpoint.yml"), $"""
            $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
            name: {endpoint}
            auth_mode: key
            description: from endpoint.yml
            """);
        await File.WriteAllTextAsync(Path.Combine(_dir, "blue.yml"), $"""
            $schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json
            name: blue
            endpoint_name: {endpoint}
            model:
              path: model.onnx
            resources:
              requests:
                cpu: "0.5"
                memory: 0.5Gi
            instance_count: 1
            """);

        // Before the endpoint exists, the deployment is refused naming the field: nothing registered.
        var early = await MlctlAsync("deployment", "create", "-f", "blue.yml");
        Assert.Equal(ExitCodes.InvalidInput, early.ExitCode);
        Assert.Contains("endpoint_name: no endpoint named", early.Error);
        Assert.Empty(await _platform.Models.ListAsync($"{endpoint}-blue-model"));

        var created = JsonNode.Parse((await OkAsync("endpoint", "create", "-f", "endpoint.yml", "-o", "json")).Output)!;
        Assert.Equal("key", (string)created["authMode"]!);
        Assert.Equal(ExitCodes.Conflict, (await MlctlAsync("endpoint", "create", "-f", "endpoint.yml")).ExitCode);

        var deployed = JsonNode.Parse((await OkAsync("deployment", "create", "-f", "blue.yml", "--all-traffic", "-o", "json")).Output)!;
        Assert.Equal("Healthy", (string)deployed["state"]!);
        Assert.Equal($"{endpoint}-blue-model:1", (string)deployed["model"]!);
        Assert.Equal(100, (await _platform.Endpoints.GetAsync(endpoint)).Traffic["blue"]);

        await File.WriteAllTextAsync(Path.Combine(_dir, "request.json"), JsonSerializer.Serialize(new { data = JourneyClient.Rows }));
        var answer = await InvokeUntilRoutedAsync("endpoint", "invoke", "-n", endpoint, "--request-file", "request.json", "--deployment-name", "blue");
        AssertClose(JourneyClient.Expected(V1File), JsonSerializer.Deserialize<double[][]>(answer.Output)!);

        // A GPU on a compute without one is refused by the platform at once: what the command registered is removed again.
        await File.WriteAllTextAsync(Path.Combine(_dir, "gpu.yml"), $"""
            name: gpu
            endpoint_name: {endpoint}
            model: model.onnx
            resources:
              requests:
                cpu: "0.5"
                memory: 0.5Gi
                nvidia.com/gpu: 1
            """);
        if ((await _platform.Computes.GetAsync("local")).Capacity.Gpus == 0)
        {
            var refused = await MlctlAsync("deployment", "create", "-f", "gpu.yml");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("gpu", refused.Error, StringComparison.OrdinalIgnoreCase);
            await Assert.ThrowsAsync<PlatformNotFoundException>(() => _platform.Deployments.GetAsync(endpoint, "gpu"));
            Assert.Empty(await _platform.Models.ListAsync($"{endpoint}-gpu-model"));
        }

        // An invalid file: exit 3, each field named, and the endpoint as it was.
        await File.WriteAllTextAsync(Path.Combine(_dir, "bad.yml"), $"""
            name: green
            endpoint_name: {endpoint}
            model: azureml:no-such-model-{_suffix}:1
            instance_type: Standard_Imaginary_v9
            """);
        var bad = await MlctlAsync("deployment", "create", "-f", "bad.yml");
        Assert.Equal(ExitCodes.InvalidInput, bad.ExitCode);
        Assert.Contains("bad.yml: instance_type:", bad.Error);
        Assert.Equal(["blue"], (await _platform.Endpoints.GetAsync(endpoint)).Deployments);

        await OkAsync("endpoint", "delete", "-n", endpoint, "--yes");
    }

    private async Task<Run> InvokeUntilRoutedAsync(params string[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await MlctlAsync(args);
            if (run.ExitCode == 0 || DateTime.UtcNow > deadline) return run.ExitCode == 0 ? run : await OkAsync(args);
            await Task.Delay(250);
        }
    }

    private static void AssertClose(double[][] expected, double[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            for (var j = 0; j < expected[i].Length; j++) Assert.Equal(expected[i][j], actual[i][j], 1e-4);
    }

    public void Dispose()
    {
        _platform.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
