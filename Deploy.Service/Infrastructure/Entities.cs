namespace Deploy.Service.Infrastructure;

// Rows of deploydb. JSON-shaped values (traffic splits, replicas, tensor metadata) are stored as JSON text: they are
// always read and written whole, never queried into.

public sealed class EndpointEntity
{
    public required string Name { get; set; }
    public required string AuthMode { get; set; }
    public string? Description { get; set; }
    public string TagsJson { get; set; } = "{}";
    /// <summary>"Succeeded", or "Deleting" while its deployments are torn down (then it is hidden and the row removed).</summary>
    public string ProvisioningState { get; set; } = "Succeeded";
    /// <summary>Explicit live percentages; the default deployment also takes the remainder.</summary>
    public string TrafficJson { get; set; } = "{}";
    public string MirrorJson { get; set; } = "{}";
    public string? DefaultDeployment { get; set; }
    public string? ControlDeployment { get; set; }
    public long MaxBodyBytes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class DeploymentEntity
{
    public Guid Id { get; set; }
    public required string EndpointName { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    // What the user asked for. Generation goes up on every change; the rollout worker works towards the latest one.
    public required string Model { get; set; }
    public required string Compute { get; set; }
    public int InstanceCount { get; set; }
    public double CpuCores { get; set; }
    public double MemoryGb { get; set; }
    public int Gpus { get; set; }
    /// <summary>With <see cref="Gpus"/> &gt; 0: serve on CPU, saying why, when no GPU is free or the GPU provider cannot load.</summary>
    public bool AllowCpuFallback { get; set; }
    /// <summary>JSON of <see cref="Domain.GpuOptions"/>, or null for ONNX Runtime's defaults.</summary>
    public string? GpuOptionsJson { get; set; }
    /// <summary>Scoring code (all three set, or none): environment and code folder as "name:version", the entry script's path.</summary>
    public string? Environment { get; set; }
    public string? CodeModel { get; set; }
    public string? EntryScript { get; set; }
    /// <summary>The serving script's inference_schema samples as its node reported them (JSON), for the endpoint's OpenAPI.</summary>
    public string? ScriptSchemaJson { get; set; }
    /// <summary>JSON of <see cref="Domain.ScaleSettings"/>, or null when the instance count is fixed.</summary>
    public string? ScaleJson { get; set; }
    public int MaxBatchSize { get; set; }
    public long MaxQueueDelayMicroseconds { get; set; }
    public bool ForceRebuild { get; set; }
    public int Generation { get; set; }

    // Where the rollout stands.
    public string State { get; set; } = Domain.DeploymentStates.Creating;
    public string? Error { get; set; }
    public int RolledOutGeneration { get; set; }

    // What is routable now (the gateway only sees this): it changes in one step when a rollout switches over.
    public string? ServingModel { get; set; }
    public string? NodeModelName { get; set; }
    public string ReplicasJson { get; set; } = "[]";
    public string InputsJson { get; set; } = "[]";
    public string OutputsJson { get; set; } = "[]";
    public string? ReservationId { get; set; }

    // Autoscaling: the live instance count the reservation and replicas are brought to (0: instanceCount, older rows),
    // and the last change of it (JSON of ScalingResponse).
    public int DesiredInstances { get; set; }
    public string? LastScalingJson { get; set; }

    /// <summary>
    /// Replicas of <see cref="ReplicasJson"/> the health watcher took out of routing (JSON list of
    /// <c>UnreadyReplica</c>): they stay loaded and reserved, and return to routing once a probe succeeds.
    /// </summary>
    public string UnreadyReplicasJson { get; set; } = "[]";

    // The package in use and how it was obtained (hit in the workspace cache, hit in a shared cache, or built).
    public string? PackageKey { get; set; }
    public string? PackageSource { get; set; }
    public string? PackagePath { get; set; }
    public string PackageInputsJson { get; set; } = "[]";
}

public sealed class DeployRuleEntity
{
    public required string Name { get; set; }
    public required string ModelName { get; set; }
    public required string EndpointName { get; set; }
    public required string DeploymentName { get; set; }
    /// <summary>The deployment body to apply, without its model (the registered version fills it in).</summary>
    public string DeploymentJson { get; set; } = "{}";
    public int? TrafficPercentile { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One ModelRegistered event handled by a rule: the primary key (rule, version) makes firing idempotent.</summary>
public sealed class DeployRuleFiring
{
    public required string RuleName { get; set; }
    public int ModelVersion { get; set; }
    /// <summary>"Applied" or "Refused".</summary>
    public required string Outcome { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset FiredAt { get; set; }
}

public sealed class DeploymentLogEntry
{
    public long Id { get; set; }
    public required string EndpointName { get; set; }
    public required string DeploymentName { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Level { get; set; }
    public required string Message { get; set; }
}

/// <summary>The single row holding the routing version; bumping it under a row lock orders every routing change.</summary>
public sealed class RoutingState
{
    public int Id { get; set; }
    public long Version { get; set; }
}
