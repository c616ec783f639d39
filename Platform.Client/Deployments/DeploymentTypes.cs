using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Client;

public sealed record Batching(int? MaxBatchSize = null, long? MaxQueueDelayMicroseconds = null);

/// <summary>ONNX Runtime's GPU provider settings for a deployment with gpus &gt; 0.</summary>
public sealed record GpuOptions(string? ExecutionProvider = null, string? ArenaExtendStrategy = null, double? MemoryLimitGb = null, bool? CopyInSeparateStream = null);

/// <summary>Autoscaling (API.md's Scaling): the live instance count kept within min/max by in-flight requests per instance.</summary>
public sealed record ScaleSettings(int? MinInstances = null, int? MaxInstances = null, int? TargetConcurrentRequests = null, int? ScaleDownDelaySeconds = null);

/// <summary>Azure ML's request settings: how long a scoring request may take and how many run at once per instance.</summary>
public sealed record RequestSettings(int? RequestTimeoutMs = null, int? MaxConcurrentRequestsPerInstance = null);

/// <summary>The body of <c>PUT /api/v1/endpoints/{e}/deployments/{d}</c>; unset fields keep the platform's defaults.</summary>
public sealed record DeploymentSpec
{
    /// <summary><c>name:version</c> of a registered model.</summary>
    public string? Model { get; init; }

    /// <summary>A compute name; <c>local</c> by default.</summary>
    public string? Compute { get; init; }

    public int? InstanceCount { get; init; }

    public double? CpuCores { get; init; }

    public double? MemoryGb { get; init; }

    public int? Gpus { get; init; }

    public bool? AllowCpuFallback { get; init; }

    public GpuOptions? GpuOptions { get; init; }

    public bool? IsDefault { get; init; }

    public bool? IsControl { get; init; }

    public int? TrafficPercentile { get; init; }

    public Batching? Batching { get; init; }

    public ScaleSettings? Scale { get; init; }

    public RequestSettings? RequestSettings { get; init; }

    /// <summary>Scoring code: an environment <c>name:version</c>.</summary>
    public string? Environment { get; init; }

    /// <summary>Scoring code: a registered folder (<c>name:version</c>) holding the entry script.</summary>
    public string? CodeModel { get; init; }

    /// <summary>Scoring code: the script's path inside <see cref="CodeModel"/>, e.g. <c>score.py</c>.</summary>
    public string? EntryScript { get; init; }

    public bool? ForceRebuild { get; init; }
}

/// <summary>A replica; <see cref="Instances"/> is how many of the deployment's instances its node holds.</summary>
public sealed record Replica(string NodeName, string HttpAddress, string GrpcAddress, DeploymentRuntime? Runtime = null, int Instances = 1);

/// <summary>The live instance count: what the autoscaler (or instanceCount) asks for, how many serve now, and the bounds.</summary>
public sealed record DeploymentInstances(int Desired, int Ready, int Min, int Max);

/// <summary>The last change of an autoscaled deployment's desired instance count.</summary>
public sealed record Scaling(DateTimeOffset At, int From, int To, string Reason);

public sealed record UnreadyReplica(string NodeName, string HttpAddress, string GrpcAddress, string Reason, DateTimeOffset Since);

public sealed record DeploymentRuntime(string Name, string Version, string ExecutionProvider, string? FallbackReason);

public sealed record TensorInfo(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>A deployment as <c>GET …/deployments/{d}</c> shows it.</summary>
public sealed record Deployment(
    string Name,
    string Endpoint,
    string Model,
    string Compute,
    int InstanceCount,
    double CpuCores,
    double MemoryGb,
    int Gpus,
    bool IsDefault,
    bool IsControl,
    int TrafficPercentile,
    int MirrorPercentile,
    string State,
    string? Error,
    int Generation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public IReadOnlyList<Replica> Replicas { get; init; } = [];

    public IReadOnlyList<UnreadyReplica> UnreadyReplicas { get; init; } = [];

    public IReadOnlyList<TensorInfo> Inputs { get; init; } = [];

    public IReadOnlyList<TensorInfo> Outputs { get; init; } = [];

    public DeploymentRuntime? Runtime { get; init; }

    public Batching? Batching { get; init; }

    /// <summary>Desired and ready instances within the bounds (null from a platform that does not report them).</summary>
    public DeploymentInstances? Instances { get; init; }

    /// <summary>The autoscaler's last change, or null when it has not changed the count.</summary>
    public Scaling? LastScaling { get; init; }

    /// <summary>Fields this SDK version does not model (scale, package, …), as the platform sent them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Details { get; init; }

    public bool IsTerminal => State is DeploymentStates.Healthy or DeploymentStates.Unhealthy or DeploymentStates.Failed;
}

/// <summary>The states of API.md.</summary>
public static class DeploymentStates
{
    public const string Creating = "Creating";
    public const string Transitioning = "Transitioning";
    public const string Healthy = "Healthy";
    public const string Unhealthy = "Unhealthy";
    public const string Failed = "Failed";
}

/// <summary>The deployment reached <c>Failed</c> (or another state than the one waited for, for good).</summary>
public sealed class DeploymentFailedException(Deployment deployment)
    : Exception($"Deployment {deployment.Endpoint}/{deployment.Name} is {deployment.State}: {deployment.Error ?? "no reason given"}")
{
    public Deployment Deployment { get; } = deployment;
}
