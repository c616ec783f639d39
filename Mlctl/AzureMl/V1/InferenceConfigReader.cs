namespace Mlctl.AzureMl.V1;

/// <summary>Azure ML v1's <c>inferenceconfig.json</c>, as <c>az ml model deploy --ic</c> takes it.</summary>
public sealed record InferenceConfig(CodeSource Code, EnvironmentSource? Environment);

public static class InferenceConfigReader
{
    private static readonly string[] Supported = ["entryScript", "runtime", "condaFile", "sourceDirectory", "environment", "description"];

    private static readonly Dictionary<string, string> Refused = new()
    {
        ["extraDockerfileSteps"] = "Dockerfile steps cannot run here: the platform runs scoring code in a Python environment, not a container image built per service.",
        ["baseImage"] = "custom base images are not run by this platform; give condaFile (or a registered environment) instead.",
        ["baseImageRegistry"] = "custom base images are not run by this platform; give condaFile (or a registered environment) instead.",
        ["enableGpu"] = "ask for GPUs in deploymentconfig.json (containerResourceRequirements.gpu) instead.",
        ["cudaVersion"] = "the CUDA version is the platform's own; ask for GPUs in deploymentconfig.json (containerResourceRequirements.gpu).",
        ["dockerFile"] = "Dockerfiles are not run by this platform; give condaFile (or a registered environment) instead.",
    };

    /// <param name="service">The service name: it names what the command registers for it (<c>{service}-code</c>, <c>{service}-env</c>).</param>
    public static InferenceConfig Read(string path, string service)
    {
        var check = new FileCheck(path);
        var json = StructuredFile.LoadJson(path);
        check.OnlyKnown(json, "", Supported, Refused);

        var runtime = check.String(json, "runtime");
        if (runtime is not null && !runtime.Equals("python", StringComparison.OrdinalIgnoreCase))
            check.Add("runtime", $"must be python (got '{runtime}'): spark-py services are not supported.");

        var source = check.String(json, "sourceDirectory");
        var sourceFolder = source is null ? check.Folder : check.ExistingPath(source, "sourceDirectory", check.Folder, directory: true);

        var entry = check.String(json, "entryScript", required: true);
        if (entry is not null && sourceFolder is not null)
        {
            var full = check.ExistingPath(entry, "entryScript", sourceFolder, file: true);
            if (full is not null && !full.EndsWith(".py", StringComparison.OrdinalIgnoreCase)) check.Add("entryScript", "must be a Python file (.py).");
        }

        EnvironmentSource? environment = null;
        var conda = check.String(json, "condaFile");
        if (conda is not null && sourceFolder is not null && check.ExistingPath(conda, "condaFile", sourceFolder, file: true) is { } condaPath)
            environment = new EnvironmentSource.FromFile(condaPath, $"{service}-env");

        if (json["environment"] is not null)
        {
            var env = check.Object(json, "environment");
            if (conda is not null) check.Add("environment", "cannot be given with condaFile: name one environment.");
            if (env is not null)
            {
                check.OnlyKnown(env, "environment", ["name", "version"], new Dictionary<string, string>
                {
                    ["python"] = "inline environment definitions are not read: create it with 'mlctl environment create' and name it here (name, version), or give condaFile.",
                    ["docker"] = "container settings are not run by this platform: name a registered environment (name, version), or give condaFile.",
                });
                var name = check.String(env, "name", "environment", required: true);
                var version = check.String(env, "version", "environment") ?? "latest";
                if (name is not null) environment = new EnvironmentSource.Registered(name, version);
            }
        }

        check.ThrowIfAny();
        var folder = sourceFolder!;
        // The entry script is a path inside the uploaded folder: without sourceDirectory, the config's own folder.
        var relative = Path.GetRelativePath(folder, Path.GetFullPath(entry!, folder)).Replace(Path.DirectorySeparatorChar, '/');
        return new InferenceConfig(new CodeSource(folder, relative, $"{service}-code"), environment);
    }
}
