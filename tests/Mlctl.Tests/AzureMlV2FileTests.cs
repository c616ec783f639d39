using Mlctl.AzureMl;
using Mlctl.AzureMl.V2;

namespace Mlctl.Tests;

public sealed class AzureMlV2FileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlctl-v2-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_documented_endpoint_yml_becomes_a_key_endpoint()
    {
        var endpoint = EndpointYamlReader.Read(Cli.Sample("v2/endpoint.yml"));

        Assert.Equal("my-endpoint", endpoint.Name);
        Assert.Equal("key", endpoint.Spec.AuthMode);
    }

    [Fact]
    public void Aml_token_auth_maps_to_token_and_aad_token_and_identities_are_refused()
    {
        Assert.Equal("token", EndpointYamlReader.Read(Write("t.yml", "name: tok-endpoint\nauth_mode: aml_token\n")).Spec.AuthMode);

        var error = Assert.Throws<FileValidationException>(() => EndpointYamlReader.Read(Write("a.yml",
            "name: 9bad\nauth_mode: aad_token\nidentity:\n  type: system_assigned\ntraffic:\n  blue: 80\n  green: 30\n")));

        Assert.Equal(["auth_mode", "identity", "name", "traffic"], error.Problems.Select(p => p.Field).Order());
    }

    [Fact]
    public void The_documented_deployment_yml_maps_its_instance_type_through_the_vm_catalogue()
    {
        var plan = DeploymentYamlReader.Read(Cli.Sample("v2/blue-deployment.yml"));

        Assert.Equal(("my-endpoint", "blue"), (plan.Endpoint, plan.Deployment));
        Assert.Equal(new ModelSource.Registered("my-model", "1"), plan.Model);
        Assert.Equal(4, plan.Spec.CpuCores); // Standard_DS3_v2
        Assert.Equal(14, plan.Spec.MemoryGb);
        Assert.Equal(0, plan.Spec.Gpus);
        Assert.Equal(1, plan.Spec.InstanceCount);
        Assert.Equal(3000, plan.Spec.RequestSettings!.RequestTimeoutMs);
        Assert.Contains(plan.Warnings, w => w.StartsWith("liveness_probe", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deployment_with_local_model_scoring_script_inline_conda_and_autoscaling_is_planned_in_full()
    {
        var plan = DeploymentYamlReader.Read(Cli.Sample("v2/script-deployment.yml"));

        var model = Assert.IsType<ModelSource.Local>(plan.Model);
        Assert.Equal("custom", model.Framework);
        Assert.Equal("my-endpoint-green-model", model.Name);
        Assert.Equal("score.py", plan.Code!.EntryScript);
        Assert.Equal("score.py", plan.Spec.EntryScript);
        Assert.IsType<EnvironmentSource.FromFile>(plan.Environment);
        Assert.Equal(new Platform.Client.ScaleSettings(1, 3, 1), plan.Spec.Scale);
        Assert.Contains(plan.Warnings, w => w.StartsWith("environment.image", StringComparison.Ordinal));
    }

    [Fact]
    public void Kubernetes_resource_requests_are_read_as_quantities()
    {
        var path = Write("d.yml", """
            name: small
            endpoint_name: ep-one
            model: azureml:m:2
            resources:
              requests:
                cpu: 500m
                memory: 512Mi
            """);

        var plan = DeploymentYamlReader.Read(path);

        Assert.Equal(0.5, plan.Spec.CpuCores);
        Assert.Equal(0.5, plan.Spec.MemoryGb);
    }

    [Fact]
    public void Every_broken_rule_of_a_deployment_yml_is_reported_with_file_and_field()
    {
        var path = Write("bad.yml", """
            name: blue
            endpoint_name: ep-one
            model: azureml://registries/azureml/models/m/versions/1
            instance_type: Standard_Imaginary_v9
            resources:
              requests:
                cpu: lots
            environment:
              image: myregistry.azurecr.io/custom:1
            code_configuration:
              code: no-such-folder/
              scoring_script: score.py
            scale_settings:
              type: sometimes
            environment_variables:
              A: b
            colour: blue
            """);

        var error = Assert.Throws<FileValidationException>(() => DeploymentYamlReader.Read(path));

        var fields = error.Problems.Select(p => p.Field).ToHashSet();
        Assert.All(error.Problems, p => Assert.Equal(path, p.File));
        foreach (var field in new[]
                 {
                     "model", "instance_type", "resources", "resources.requests.cpu", "environment.conda_file", "environment.image",
                     "code_configuration.code", "scale_settings.type", "environment_variables", "colour",
                 })
            Assert.Contains(field, fields);
        Assert.Contains("Standard_DS3_v2", error.Problems.Single(p => p.Field == "instance_type").Rule);
        Assert.Contains("Nothing was created.", error.Message);
    }

    [Fact]
    public void A_local_model_without_onnx_needs_a_scoring_script()
    {
        Write("model/weights.pkl", "not really a pickle");
        var path = Write("d.yml", "name: blue\nendpoint_name: ep-one\nmodel: model/\n");

        var error = Assert.Throws<FileValidationException>(() => DeploymentYamlReader.Read(path));

        Assert.Contains("code_configuration", error.Problems.Single(p => p.Field == "model").Rule);
    }

    [Fact]
    public void Malformed_yaml_and_duplicate_keys_are_reported_with_their_line()
    {
        var broken = Assert.Throws<FileValidationException>(() => DeploymentYamlReader.Read(Write("b.yml", "name: [blue\nendpoint_name: x\n")));
        Assert.StartsWith("(line ", broken.Problems.Single().Field);

        var twice = Assert.Throws<FileValidationException>(() => DeploymentYamlReader.Read(Write("c.yml", "name: blue\nname: green\n")));
        Assert.Equal("(line 2)", twice.Problems.Single().Field);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
