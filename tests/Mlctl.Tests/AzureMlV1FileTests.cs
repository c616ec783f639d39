using Mlctl.AzureMl;
using Mlctl.AzureMl.V1;

namespace Mlctl.Tests;

public sealed class AzureMlV1FileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlctl-v1-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_documented_deploymentconfig_maps_resources_auth_and_request_settings_onto_the_deployment()
    {
        var config = DeploymentConfigReader.Read(Cli.Sample("v1/deploymentconfig.json"), computeTarget: null);

        Assert.Equal("key", config.Endpoint.AuthMode);
        Assert.Equal("local", config.Deployment.Compute);
        Assert.Equal(0.5, config.Deployment.CpuCores);
        Assert.Equal(0.5, config.Deployment.MemoryGb);
        Assert.Equal(5000, config.Deployment.RequestSettings!.RequestTimeoutMs);
        Assert.Equal(2, config.Deployment.RequestSettings.MaxConcurrentRequestsPerInstance);
        Assert.Null(config.Deployment.Scale);
    }

    [Fact]
    public void An_enabled_autoscaler_becomes_scale_with_its_target_a_share_of_the_concurrent_requests_per_container()
    {
        var path = Write("dc.json", """
            { "computeType": "aks", "autoScaler": { "autoscaleEnabled": true, "minReplicas": 2, "maxReplicas": 5, "targetUtilization": 50 },
              "maxConcurrentRequestsPerContainer": 8, "tokenAuthEnabled": true, "authEnabled": false }
            """);

        var config = DeploymentConfigReader.Read(path, computeTarget: "k8s-prod");

        Assert.Equal(new Platform.Client.ScaleSettings(2, 5, 4), config.Deployment.Scale);
        Assert.Equal(2, config.Deployment.InstanceCount);
        Assert.Equal("k8s-prod", config.Deployment.Compute);
        Assert.Equal("token", config.Endpoint.AuthMode);
    }

    [Fact]
    public void Every_broken_rule_of_a_deploymentconfig_is_reported_with_file_and_field()
    {
        var path = Write("bad-dc.json", """
            { "computeType": "aks", "containerResourceRequirements": { "cpu": 0, "memoryInGB": "lots", "gpus": 1 },
              "numReplicas": 2, "autoScaler": { "autoscaleEnabled": true, "minReplicas": 3, "maxReplicas": 2 },
              "authEnabled": true, "tokenAuthEnabled": true, "sslEnabled": true, "colour": "blue" }
            """);

        var error = Assert.Throws<FileValidationException>(() => DeploymentConfigReader.Read(path, computeTarget: null));

        var fields = error.Problems.Select(p => p.Field).ToHashSet();
        Assert.All(error.Problems, p => Assert.Equal(path, p.File));
        Assert.Contains("computeType", fields); // aks without --compute-target
        Assert.Contains("containerResourceRequirements.cpu", fields);
        Assert.Contains("containerResourceRequirements.memoryInGB", fields);
        Assert.Contains("containerResourceRequirements.gpus", fields);
        Assert.Contains("numReplicas", fields);
        Assert.Contains("autoScaler.maxReplicas", fields);
        Assert.Contains("tokenAuthEnabled", fields);
        Assert.Contains("sslEnabled", fields);
        Assert.Contains("colour", fields);
        Assert.Contains("is not a field this file takes", error.Problems.Single(p => p.Field == "colour").Rule);
        Assert.Contains($"{path}: containerResourceRequirements.cpu: must be greater than 0", error.Message);
    }

    [Fact]
    public void The_documented_inferenceconfig_names_the_entry_script_in_its_source_folder_and_a_conda_environment()
    {
        var config = InferenceConfigReader.Read(Cli.Sample("v1/inferenceconfig.json"), "svc");

        Assert.Equal("score.py", config.Code.EntryScript);
        Assert.Equal(Path.GetDirectoryName(Cli.Sample("v1/inferenceconfig.json")), config.Code.Folder);
        Assert.Equal("svc-code", config.Code.Name);
        var env = Assert.IsType<EnvironmentSource.FromFile>(config.Environment);
        Assert.Equal("svc-env", env.Name);
        Assert.EndsWith("myenv.yml", env.Path);
    }

    [Fact]
    public void An_inferenceconfig_without_entry_script_or_with_a_custom_image_is_refused()
    {
        var path = Write("ic.json", """{ "runtime": "spark-py", "baseImage": "myregistry.azurecr.io/mine:1", "condaFile": "missing.yml" }""");

        var error = Assert.Throws<FileValidationException>(() => InferenceConfigReader.Read(path, "svc"));

        Assert.Equal(["baseImage", "condaFile", "entryScript", "runtime"], error.Problems.Select(p => p.Field).Order());
        Assert.Contains("custom base images", error.Problems.Single(p => p.Field == "baseImage").Rule);
    }

    [Fact]
    public void A_registered_environment_is_referenced_by_name_and_version()
    {
        Write("score.py", "def init(): pass\ndef run(d): return d\n");
        var path = Write("ic.json", """{ "entryScript": "score.py", "environment": { "name": "sklearn-env", "version": "3" } }""");

        var config = InferenceConfigReader.Read(path, "svc");

        Assert.Equal(new EnvironmentSource.Registered("sklearn-env", "3"), config.Environment);
    }

    [Fact]
    public void Malformed_json_is_reported_with_its_line()
    {
        var path = Write("broken.json", "{\n  \"computeType\": \"aci\",\n  \"cpu\": \n}");

        var error = Assert.Throws<FileValidationException>(() => DeploymentConfigReader.Read(path, null));

        Assert.StartsWith("(line ", error.Problems.Single().Field);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
