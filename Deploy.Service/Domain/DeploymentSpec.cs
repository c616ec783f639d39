using Deploy.Service.Apis;

namespace Deploy.Service.Domain;

/// <summary>What a deployment should run, validated. Changing any of these fields starts a rollout.</summary>
public sealed record DeploymentSpec(
    string Model,
    string Compute,
    int InstanceCount,
    double CpuCores,
    double MemoryGb,
    int Gpus,
    int MaxBatchSize,
    long MaxQueueDelayMicroseconds,
    bool AllowCpuFallback = false,
    GpuOptions? GpuOptions = null,
    ScoringScript? Script = null,
    ScaleSettings? Scale = null)
{
    public const int MaxInstances = 64;
    public const int DefaultMaxBatchSize = 1;

    /// <summary>
    /// Validates a deployment body. Every broken rule is reported under its field. When <paramref name="modelOverride"/>
    /// is given (deploy rules), the body's model is ignored and that one is used.
    /// </summary>
    public static Dictionary<string, string[]> Validate(DeploymentRequest request, string? modelOverride, out DeploymentSpec? spec, string prefix = "")
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[prefix + field] = [message];

        var model = modelOverride ?? request.Model;
        if (modelOverride is null)
        {
            if (string.IsNullOrWhiteSpace(model)) Fail("model", "The model is required ('name:version').");
            else if (!ModelReference.TryParse(model, out _)) Fail("model", $"The model {ModelReference.Rule}.");
        }

        var compute = request.Compute ?? "local";
        if (compute.Length is < 3 or > 24) Fail("compute", "A compute name is 3–24 characters.");

        var instances = request.InstanceCount ?? 1;
        if (!IsWhole(instances) || instances < 1 || instances > MaxInstances)
            Fail("instanceCount", $"instanceCount is a whole number from 1 to {MaxInstances}.");

        var cores = request.CpuCores ?? 1;
        if (!(cores > 0) || cores > 1024) Fail("cpuCores", "cpuCores must be greater than 0 (fractions such as 0.1 are allowed).");

        var memory = request.MemoryGb ?? 1;
        if (!(memory > 0) || memory > 4096) Fail("memoryGb", "memoryGb must be greater than 0 (fractions such as 0.2 are allowed).");

        var gpus = request.Gpus ?? 0;
        if (!IsWhole(gpus) || gpus < 0 || gpus > 16) Fail("gpus", "gpus is a whole number, 0 or more.");

        var batch = request.Batching?.MaxBatchSize ?? DefaultMaxBatchSize;
        if (!IsWhole(batch) || batch < 1 || batch > 4096) Fail("batching.maxBatchSize", "maxBatchSize is a whole number from 1 to 4096.");

        var delay = request.Batching?.MaxQueueDelayMicroseconds ?? 0;
        if (!IsWhole(delay) || delay < 0 || delay > 10_000_000)
            Fail("batching.maxQueueDelayMicroseconds", "maxQueueDelayMicroseconds is a whole number from 0 to 10000000.");

        var gpuOptions = ValidateGpuOptions(request.GpuOptions, gpus, Fail);
        var script = ScoringScript.Validate(request, Fail);
        var scale = ScaleSettings.Validate(request.Scale, instances, Fail);

        // trafficPercentile is checked by TrafficRules, which names the traffic rule it breaks.

        spec = errors.Count == 0
            ? new DeploymentSpec(model!, compute, (int)instances, cores, memory, (int)gpus, (int)batch, (long)delay, request.AllowCpuFallback ?? false, gpuOptions, script, scale)
            : null;
        return errors;
    }

    private static GpuOptions? ValidateGpuOptions(GpuOptionsRequest? request, double gpus, Action<string, string> fail)
    {
        if (request is null) return null;
        if (gpus < 1) fail("gpuOptions", "gpuOptions apply only to a deployment with gpus > 0.");
        var provider = (request.ExecutionProvider ?? "cuda").ToLowerInvariant();
        if (provider is not ("cuda" or "tensorrt")) fail("gpuOptions.executionProvider", "executionProvider is 'cuda' or 'tensorrt'.");
        var strategy = request.ArenaExtendStrategy ?? "";
        if (strategy is not ("" or "kNextPowerOfTwo" or "kSameAsRequested"))
            fail("gpuOptions.arenaExtendStrategy", "arenaExtendStrategy is 'kNextPowerOfTwo' or 'kSameAsRequested'.");
        var limit = request.MemoryLimitGb ?? 0;
        if (!(limit >= 0) || limit > 4096) fail("gpuOptions.memoryLimitGb", "memoryLimitGb is from 0 (no limit) to 4096.");
        return new GpuOptions(provider, strategy, (long)(limit * (1L << 30)), request.CopyInSeparateStream ?? false);
    }

    /// <summary>Intra-op threads follow the cores (at least 1).</summary>
    public int Threads => Math.Max(1, (int)Math.Floor(CpuCores));

    private static bool IsWhole(double value) => !double.IsNaN(value) && !double.IsInfinity(value) && value == Math.Floor(value);
}

/// <summary>ONNX Runtime's GPU provider and its CUDA options (arena growth, memory limit in bytes, copies on their own stream).</summary>
public sealed record GpuOptions(string ExecutionProvider, string ArenaExtendStrategy, long MemoryLimitBytes, bool CopyInSeparateStream);

/// <summary>
/// A deployment's scoring code (Azure ML's inference config): the environment the entry script runs in, the
/// registered code folder and the script's path inside it. All three or none.
/// </summary>
public sealed record ScoringScript(string Environment, string CodeModel, string EntryScript)
{
    public static ScoringScript? Validate(DeploymentRequest request, Action<string, string> fail)
    {
        if (request.Environment is null && request.CodeModel is null && request.EntryScript is null) return null;
        var ok = true;
        if (string.IsNullOrWhiteSpace(request.Environment) || !ModelReference.TryParse(request.Environment, out _))
        {
            fail("environment", $"A deployment with scoring code names its environment: the environment {ModelReference.Rule}.");
            ok = false;
        }
        if (string.IsNullOrWhiteSpace(request.CodeModel) || !ModelReference.TryParse(request.CodeModel, out _))
        {
            fail("codeModel", $"A deployment with scoring code names the registered code folder: codeModel {ModelReference.Rule}.");
            ok = false;
        }
        var script = request.EntryScript ?? "";
        if (script.Length is 0 or > 512 || !script.EndsWith(".py", StringComparison.Ordinal) || script.StartsWith('/')
            || script.Split('/', '\\').Any(part => part is "" or "." or ".."))
        {
            fail("entryScript", "entryScript is the path of a .py file inside the code folder (e.g. score.py or src/score.py).");
            ok = false;
        }
        return ok ? new ScoringScript(request.Environment!, request.CodeModel!, script) : null;
    }
}
