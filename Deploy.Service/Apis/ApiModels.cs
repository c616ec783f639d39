using Deploy.Service.Domain;

namespace Deploy.Service.Apis;

// Request bodies are read with every field optional and numbers as double, so validation can name each missing or
// wrong field with its rule (a typed binder would answer a bare 400 for "1.5 instances" or a missing property).

public sealed record EndpointRequest(string? AuthMode, string? Description, Dictionary<string, string>? Tags, double? MaxBodyBytes);

public sealed record BatchingRequest(double? MaxBatchSize, double? MaxQueueDelayMicroseconds);

public sealed record DeploymentRequest(
    string? Model,
    string? Compute,
    double? InstanceCount,
    double? CpuCores,
    double? MemoryGb,
    double? Gpus,
    bool? IsDefault,
    bool? IsControl,
    double? TrafficPercentile,
    BatchingRequest? Batching,
    bool? ForceRebuild,
    // With gpus > 0: serve on CPU (saying why) when no GPU is free or the GPU provider cannot load, instead of failing.
    bool? AllowCpuFallback = null,
    GpuOptionsRequest? GpuOptions = null,
    // Scoring code (Azure ML's inference config): the environment ("name:version"), the registered code folder
    // ("name:version", framework custom) and the entry script inside it.
    string? Environment = null,
    string? CodeModel = null,
    string? EntryScript = null,
    // Autoscaling: instanceCount is the start, the platform keeps the live count within min..max by the load.
    ScaleRequest? Scale = null);

/// <summary>A deployment's autoscaling as the body gives it (every field optional but maxInstances; numbers as double to name wrong ones).</summary>
public sealed record ScaleRequest(double? MinInstances, double? MaxInstances, double? TargetConcurrentRequests, double? ScaleDownDelaySeconds);

/// <summary>The live instance count: what the autoscaler (or instanceCount) asks for, how many serve now, and the bounds.</summary>
public sealed record InstancesResponse(int Desired, int Ready, int Min, int Max);

/// <summary>The last change of the desired instance count: when, from, to and why.</summary>
public sealed record ScalingResponse(DateTimeOffset At, int From, int To, string Reason);

/// <summary>ONNX Runtime's GPU provider settings for a deployment with gpus &gt; 0 (CUDA provider options).</summary>
public sealed record GpuOptionsRequest(string? ExecutionProvider, string? ArenaExtendStrategy, double? MemoryLimitGb, bool? CopyInSeparateStream);

public sealed record DeployRuleRequest(string? Model, string? Endpoint, string? DeploymentName, DeploymentRequest? Deployment, double? TrafficPercentile);

public sealed record EndpointResponse(
    string Name,
    string AuthMode,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    string ScoringUri,
    string SwaggerUri,
    IReadOnlyDictionary<string, int> Traffic,
    IReadOnlyDictionary<string, int> MirrorTraffic,
    string? DefaultDeployment,
    string? ControlDeployment,
    string ProvisioningState,
    long MaxBodyBytes,
    IReadOnlyList<string> Deployments,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record BatchingResponse(int MaxBatchSize, long MaxQueueDelayMicroseconds);

/// <summary>
/// A replica, with the runtime its node reported when it loaded the model (null for Kubernetes pods and older rows) and
/// how many of the deployment's instances it holds (instances on one node share one loaded model).
/// </summary>
public sealed record ReplicaResponse(string NodeName, string HttpAddress, string GrpcAddress, RuntimeResponse? Runtime = null, int Instances = 1);

/// <summary>What a node runs the model on, read from its loaded ONNX Runtime: version, execution provider, and why a GPU was not used.</summary>
public sealed record RuntimeResponse(string Name, string Version, string ExecutionProvider, string? FallbackReason);

/// <summary>A replica the health watcher took out of routing: why (the last failed probe that decided it) and since when.</summary>
public sealed record UnreadyReplicaResponse(string NodeName, string HttpAddress, string GrpcAddress, string Reason, DateTimeOffset Since);

public sealed record TensorResponse(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>Which package a deployment runs and why: the key, where it came from, and the inputs that were hashed.</summary>
public sealed record PackageResponse(string? Key, string? Status, string? Path, IReadOnlyList<string> HashInputs);

public sealed record DeploymentResponse(
    string Name,
    string Endpoint,
    string Model,
    string? ServingModel,
    string Compute,
    int InstanceCount,
    double CpuCores,
    double MemoryGb,
    int Gpus,
    bool AllowCpuFallback,
    GpuOptions? GpuOptions,
    bool IsDefault,
    bool IsControl,
    int TrafficPercentile,
    int MirrorPercentile,
    BatchingResponse Batching,
    string State,
    string? Error,
    string? NodeModelName,
    // The replicas routed now: those the health watcher found not ready are listed apart, with the reason.
    IReadOnlyList<ReplicaResponse> Replicas,
    IReadOnlyList<UnreadyReplicaResponse> UnreadyReplicas,
    IReadOnlyList<TensorResponse> Inputs,
    IReadOnlyList<TensorResponse> Outputs,
    PackageResponse Package,
    // The runtime of the first routed replica that reported one (every replica of a deployment loads the same way).
    RuntimeResponse? Runtime,
    int Generation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Environment = null,
    string? CodeModel = null,
    string? EntryScript = null,
    ScaleSettings? Scale = null,
    InstancesResponse? Instances = null,
    ScalingResponse? LastScaling = null);

public sealed record DeployRuleFiringResponse(int ModelVersion, string Outcome, string? Detail, DateTimeOffset FiredAt);

public sealed record DeployRuleResponse(
    string Name,
    string Model,
    string Endpoint,
    string DeploymentName,
    DeploymentRequest Deployment,
    int? TrafficPercentile,
    IReadOnlyList<DeployRuleFiringResponse> Firings,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
