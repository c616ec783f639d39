using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Client;

namespace Mlctl.AzureMl.V2;

/// <summary>Azure ML v2's <c>deployment.yml</c> (managed or Kubernetes online deployment) mapped onto a deployment plan.</summary>
public static class DeploymentYamlReader
{
    private static readonly string[] Supported =
    [
        "$schema", "name", "endpoint_name", "model", "code_configuration", "environment", "instance_type", "instance_count",
        "request_settings", "scale_settings", "liveness_probe", "readiness_probe", "description", "tags", "type", "resources",
        "app_insights_enabled", "egress_public_network_access", "compute", "properties",
    ];

    private static readonly Dictionary<string, string> Refused = new()
    {
        ["environment_variables"] = "environment variables are not passed to scoring code by this platform.",
        ["data_collector"] = "model data collection is not supported.",
        ["model_mount_path"] = "the model's folder is given to scoring code as AZUREML_MODEL_DIR; its mount path is not chosen.",
    };

    private static readonly string[] ProbeFields = ["initial_delay", "period", "timeout", "success_threshold", "failure_threshold"];

    public static DeploymentPlan Read(string path, string? nameOverride = null, string? endpointOverride = null)
    {
        var check = new FileCheck(path);
        var yaml = StructuredFile.LoadYaml(path);
        check.OnlyKnown(yaml, "", Supported, Refused);
        var warnings = new List<string>();

        var name = nameOverride ?? check.String(yaml, "name", required: true);
        if (name is not null && !AzureNames.IsEndpointName(name))
            check.Add("name", $"'{name}' must be 3 to 32 characters: letters, digits and '-', starting with a letter and not ending with '-'.");
        var endpoint = endpointOverride ?? check.String(yaml, "endpoint_name", required: true);

        var type = check.String(yaml, "type")?.ToLowerInvariant();
        if (type is not (null or "managed" or "kubernetes")) check.Add("type", $"must be managed or kubernetes (got '{type}').");
        var compute = check.String(yaml, "compute") is { } c ? StripPrefix(c) : null;
        if (type == "kubernetes" && compute is null) check.Add("compute", "is required for a kubernetes deployment: the attached compute (azureml:NAME).");

        var code = ReadCode(check, yaml, endpoint, name);
        var model = ReadModel(check, yaml, endpoint, name);
        var environment = ReadEnvironment(check, yaml, endpoint, name, warnings);
        if (code is not null && environment is null && !check.Has("environment"))
            check.Add("environment", "is required with code_configuration: the scoring script runs in it.");
        if (code is null && model is ModelSource.Local { Framework: not "onnx" } && !check.Has("model"))
            check.Add("model", "holds no .onnx file, so it needs code_configuration with a scoring script to be served.");

        var (cpu, memory, gpus) = ReadSize(check, yaml);
        var count = check.Int(yaml, "instance_count", "", 1, 100);
        RequestSettings? request = null;
        if (check.Object(yaml, "request_settings") is { } settings)
        {
            check.OnlyKnown(settings, "request_settings", ["request_timeout_ms", "max_concurrent_requests_per_instance", "max_queue_wait_ms"]);
            request = new RequestSettings(
                check.Int(settings, "request_timeout_ms", "request_settings", 1, 600_000),
                check.Int(settings, "max_concurrent_requests_per_instance", "request_settings", 1, 1000));
            if (check.Int(settings, "max_queue_wait_ms", "request_settings", 0, 600_000) is not null)
                warnings.Add("request_settings.max_queue_wait_ms: the gateway's queueing limits are platform-wide.");
            warnings.Add("request_settings: sent as requestSettings; a platform that does not store them applies its gateway-wide limits.");
        }
        var scale = ReadScale(check, yaml, request?.MaxConcurrentRequestsPerInstance);
        foreach (var probe in new[] { "liveness_probe", "readiness_probe" })
        {
            if (check.Object(yaml, probe) is not { } p) continue;
            check.OnlyKnown(p, probe, ProbeFields);
            foreach (var f in ProbeFields) check.Int(p, f, probe, 0, 3600);
            warnings.Add($"{probe}: the platform probes replicas with its own health settings (Deploy options), not per deployment.");
        }
        check.Bool(yaml, "app_insights_enabled");
        check.String(yaml, "description");
        check.StringMap(yaml, "tags");
        check.Object(yaml, "properties");
        var egress = check.String(yaml, "egress_public_network_access");
        if (egress is not null && !egress.Equals("enabled", StringComparison.OrdinalIgnoreCase))
            check.Add("egress_public_network_access", "only enabled is supported: restrict egress on the machines themselves.");

        check.ThrowIfAny();
        return new DeploymentPlan(path, endpoint!, name!, model!, new DeploymentSpec
        {
            Compute = compute,
            InstanceCount = count ?? (scale is null ? 1 : scale.MinInstances),
            CpuCores = cpu,
            MemoryGb = memory,
            Gpus = gpus,
            Scale = scale,
            RequestSettings = request,
            EntryScript = code?.EntryScript,
        })
        {
            Code = code,
            Environment = environment,
            Warnings = warnings,
        };
    }

    private static string StripPrefix(string text) => text.StartsWith("azureml:", StringComparison.Ordinal) ? text["azureml:".Length..] : text;

    private static CodeSource? ReadCode(FileCheck check, JsonObject yaml, string? endpoint, string? name)
    {
        if (check.Object(yaml, "code_configuration") is not { } config) return null;
        const string at = "code_configuration";
        check.OnlyKnown(config, at, ["code", "scoring_script"]);
        var code = check.String(config, "code", at, required: true);
        var script = check.String(config, "scoring_script", at, required: true);
        var folder = check.ExistingPath(code, $"{at}.code", check.Folder, directory: true);
        if (folder is null || script is null) return null;
        if (check.ExistingPath(script, $"{at}.scoring_script", folder, file: true) is null) return null;
        if (!script.EndsWith(".py", StringComparison.OrdinalIgnoreCase)) check.Add($"{at}.scoring_script", "must be a Python file (.py).");
        return new CodeSource(folder, script.Replace('\\', '/'), $"{endpoint}-{name}-code");
    }

    private static ModelSource? ReadModel(FileCheck check, JsonObject yaml, string? endpoint, string? name)
    {
        var node = yaml["model"];
        if (node is null)
        {
            check.Add("model", "is required: azureml:NAME:VERSION, or a local path to register.");
            return null;
        }
        string? localPath;
        string? modelName = null;
        if (node is JsonObject inline)
        {
            check.OnlyKnown(inline, "model", ["path", "name", "version", "type", "description", "$schema"]);
            localPath = check.String(inline, "path", "model", required: true);
            modelName = check.String(inline, "name", "model");
            var type = check.String(inline, "type", "model");
            if (type is not (null or "custom_model" or "triton_model"))
                check.Add("model.type", $"must be custom_model or triton_model (got '{type}'): MLflow models are not served without a scoring script.");
        }
        else
        {
            var text = check.String(yaml, "model");
            if (text is null) return null;
            if (text.StartsWith("azureml:", StringComparison.Ordinal))
            {
                if (AssetReference.Parse(text, requirePrefix: true) is { } reference) return new ModelSource.Registered(reference.Name, reference.Version);
                check.Add("model", $"'{text}' must be azureml:NAME:VERSION or azureml:NAME@latest (registries are not supported).");
                return null;
            }
            localPath = text;
        }
        var full = check.ExistingPath(localPath, "model", check.Folder);
        if (full is null) return null;
        var onnx = File.Exists(full) ? full.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
            : Directory.EnumerateFiles(full, "*.onnx", SearchOption.AllDirectories).Any();
        return new ModelSource.Local(full, modelName ?? $"{endpoint}-{name}-model", onnx ? "onnx" : "custom");
    }

    private static EnvironmentSource? ReadEnvironment(FileCheck check, JsonObject yaml, string? endpoint, string? name, List<string> warnings)
    {
        var node = yaml["environment"];
        if (node is null) return null;
        if (node is JsonObject inline)
        {
            const string at = "environment";
            check.OnlyKnown(inline, at, ["conda_file", "image", "name", "version", "description", "$schema"], new Dictionary<string, string>
            {
                ["build"] = "Docker build contexts are not run by this platform: give conda_file (on an Azure ML base image).",
                ["inference_config"] = "custom container servers are not run by this platform: give conda_file and a scoring script.",
            });
            var conda = check.String(inline, "conda_file", at);
            var image = check.String(inline, "image", at);
            check.String(inline, "version", at);
            if (image is not null)
            {
                if (!image.StartsWith("mcr.microsoft.com/azureml/", StringComparison.OrdinalIgnoreCase))
                    check.Add("environment.image", $"'{image}' is a custom image, which this platform cannot run: use an Azure ML base image (mcr.microsoft.com/azureml/…) with conda_file.");
                else warnings.Add($"environment.image: {image} is not pulled; the conda file is built on the platform's own Python.");
            }
            if (conda is null && !check.Has("environment.conda_file"))
            {
                check.Add("environment.conda_file", "is required: the platform builds Python environments from a conda file, it does not run images on their own.");
                return null;
            }
            var condaPath = check.ExistingPath(conda, "environment.conda_file", check.Folder, file: true);
            return condaPath is null ? null : new EnvironmentSource.FromFile(condaPath, check.String(inline, "name", at) ?? $"{endpoint}-{name}-env");
        }
        var text = check.String(yaml, "environment");
        if (text is null) return null;
        if (AssetReference.Parse(text, requirePrefix: true) is { } reference) return new EnvironmentSource.Registered(reference.Name, reference.Version);
        check.Add("environment", $"'{text}' must be azureml:NAME:VERSION, azureml:NAME@latest, or an inline definition with conda_file.");
        return null;
    }

    private static (double? Cpu, double? Memory, int? Gpus) ReadSize(FileCheck check, JsonObject yaml)
    {
        var instanceType = check.String(yaml, "instance_type");
        var resources = check.Object(yaml, "resources");
        if (instanceType is not null && resources is not null)
            check.Add("resources", "cannot be given with instance_type: size the deployment one way.");
        var requested = resources is null ? (null, null, null) : ReadResources(check, resources);
        if (instanceType is null) return requested;
        if (VmCatalogue.Find(instanceType) is { } size) return (size.VCpus, size.MemoryGb, size.Gpus);
        check.Add("instance_type", $"'{instanceType}' is not in the platform's VM catalogue; known: {string.Join(", ", VmCatalogue.All.Select(s => s.Name))}.");
        return (null, null, null);
    }

    private static (double? Cpu, double? Memory, int? Gpus) ReadResources(FileCheck check, JsonObject resources)
    {
        check.OnlyKnown(resources, "resources", ["requests", "limits"]);
        var requests = check.Object(resources, "requests", "resources");
        if (check.Object(resources, "limits", "resources") is not null)
            check.Add("resources.limits", "limits are not set apart from requests: the platform reserves what resources.requests asks.");
        if (requests is null) return (null, null, null);
        const string at = "resources.requests";
        check.OnlyKnown(requests, at, ["cpu", "memory", "nvidia.com/gpu"]);
        var cpu = Quantity(check, requests, "cpu", at, Cpu);
        var memory = Quantity(check, requests, "memory", at, MemoryGb);
        var gpu = check.Int(requests, "nvidia.com/gpu", at, 0, 16);
        return (cpu, memory, gpu);
    }

    private static ScaleSettings? ReadScale(FileCheck check, JsonObject yaml, int? maxConcurrent)
    {
        if (check.Object(yaml, "scale_settings") is not { } scale) return null;
        const string at = "scale_settings";
        check.OnlyKnown(scale, at, ["type", "min_instances", "max_instances", "target_utilization_percentage", "polling_interval", "scale_down_delay", "target_concurrent_requests"]);
        var type = check.String(scale, "type", at, required: true)?.ToLowerInvariant();
        var min = check.Int(scale, "min_instances", at, 1, 100);
        var max = check.Int(scale, "max_instances", at, 1, 100);
        var percent = check.Int(scale, "target_utilization_percentage", at, 1, 100);
        var target = check.Int(scale, "target_concurrent_requests", at, 1, 1000);
        var delay = check.Int(scale, "scale_down_delay", at, 0, 3600);
        check.Int(scale, "polling_interval", at, 1, 3600);
        if (type == "default")
        {
            if (min is not null || max is not null || percent is not null)
                check.Add(at, "type default takes no instance limits: the deployment keeps instance_count; use type target_utilization to scale.");
            return null;
        }
        if (type != "target_utilization")
        {
            if (type is not null) check.Add($"{at}.type", $"must be default or target_utilization (got '{type}').");
            return null;
        }
        if (min is not null && max is not null && max < min) check.Add($"{at}.max_instances", $"must be at least min_instances ({min}).");
        // Azure's utilization is a percentage of what an instance takes at once (max_concurrent_requests_per_instance).
        var perInstance = target ?? Math.Max(1, (int)Math.Round((maxConcurrent ?? 1) * (percent ?? 70) / 100.0));
        return new ScaleSettings(min ?? 1, max ?? 10, perInstance, delay);
    }

    private static double? Quantity(FileCheck check, JsonObject parent, string field, string at, Func<string, double?> parse)
    {
        var text = check.String(parent, field, at);
        if (text is null) return null;
        var value = parse(text.Trim());
        if (value is null or <= 0) check.Add($"{at}.{field}", $"'{text}' is not a positive Kubernetes quantity (e.g. {(field == "cpu" ? "0.5 or 500m" : "512Mi or 1.5Gi")}).");
        return value is > 0 ? value : null;
    }

    private static double? Cpu(string text) =>
        text.EndsWith('m') ? Parse(text[..^1]) / 1000 : Parse(text);

    private static double? MemoryGb(string text)
    {
        (string Suffix, double Gb)[] units = [("Ki", 1.0 / (1024 * 1024)), ("Mi", 1.0 / 1024), ("Gi", 1), ("Ti", 1024), ("K", 1e3 / (1 << 30)), ("M", 1e6 / (1 << 30)), ("G", 1e9 / (1 << 30))];
        foreach (var (suffix, gb) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal)) return Parse(text[..^suffix.Length]) * gb;
        return Parse(text) / (1 << 30); // plain bytes
    }

    private static double? Parse(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
