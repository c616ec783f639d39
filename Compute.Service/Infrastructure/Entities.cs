namespace Compute.Service.Infrastructure;

public sealed class ComputeTargetEntity
{
    public required string Name { get; set; }
    public required string Type { get; set; }
    public string? Purpose { get; set; }
    public string? VmSize { get; set; }
    public int AgentCount { get; set; }
    public required string ProvisioningState { get; set; }
    public string? Error { get; set; }
    public string? ApiServer { get; set; }
    public string? Namespace { get; set; }
    /// <summary>The API server token, encrypted with the service's Data Protection keys; never the token itself.</summary>
    public string? ProtectedToken { get; set; }
    /// <summary>Bumped on every change that needs provisioning, so a slow provisioning run cannot overwrite a newer request.</summary>
    public int Generation { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsBuiltIn => Name == Domain.ComputeNameRules.BuiltInLocal;
}

public sealed class NodeEntity
{
    public required string Name { get; set; }
    public required string HttpAddress { get; set; }
    public required string GrpcAddress { get; set; }
    public decimal CpuCores { get; set; }
    public decimal MemoryGb { get; set; }
    public int Gpus { get; set; }
    public decimal InUseCpuCores { get; set; }
    public decimal InUseMemoryGb { get; set; }
    public int InUseGpus { get; set; }
    public string[] LoadedModels { get; set; } = [];
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset LastHeartbeatAt { get; set; }
}

public sealed class ReservationEntity
{
    public required string Id { get; set; }
    public required string ComputeName { get; set; }
    public int Instances { get; set; }
    public decimal CpuCores { get; set; }
    public decimal MemoryGb { get; set; }
    public int Gpus { get; set; }
    /// <summary>What this reservation holds of its compute's quota: ceil(1.2 × instances) × cores (0 on the built-in local).</summary>
    public decimal QuotaCores { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<ReplicaEntity> Replicas { get; set; } = [];
}

/// <summary>One placed replica: it holds its reservation's per-replica capacity on one node.</summary>
public sealed class ReplicaEntity
{
    public required string ReservationId { get; set; }
    public int Ordinal { get; set; }
    public required string NodeName { get; set; }
}
