using Compute.Service.Application;
using Compute.Service.Domain;

namespace Compute.Service.Apis;

public sealed record CapacityResponse(decimal CpuCores, decimal MemoryGb, int Gpus)
{
    public static CapacityResponse From(Capacity c) => new(c.CpuCores, c.MemoryGb, c.Gpus);
}

public sealed record KubernetesResponse(string ApiServer, string Namespace);

public sealed record NodeResponse(
    string Name, string HttpAddress, string GrpcAddress, string State,
    CapacityResponse Capacity, CapacityResponse Reserved, CapacityResponse Free, CapacityResponse InUse,
    DateTimeOffset LastHeartbeatAt, IReadOnlyList<string> LoadedModels);

/// <summary>A compute as API.md shows it. The Kubernetes token is write-only: it is never returned.</summary>
public sealed record ComputeResponse(
    string Name, string Type, string? Purpose, string? VmSize, int? AgentCount,
    string ProvisioningState, string? Error, KubernetesResponse? Kubernetes,
    CapacityResponse Capacity, CapacityResponse Free, IReadOnlyList<NodeResponse> Nodes,
    int Reservations, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ComputeResponse From(ComputeView v) => new(
        v.Name, v.Type, v.Purpose, v.VmSize, v.AgentCount, v.ProvisioningState, v.Error,
        v.ApiServer is null ? null : new KubernetesResponse(v.ApiServer, v.Namespace ?? "default"),
        CapacityResponse.From(v.Capacity), CapacityResponse.From(v.Free),
        v.Nodes.Select(n => new NodeResponse(
            n.Name, n.HttpAddress, n.GrpcAddress, n.State,
            CapacityResponse.From(n.Capacity), CapacityResponse.From(n.Reserved), CapacityResponse.From(n.Free), CapacityResponse.From(n.InUse),
            n.LastHeartbeatAt, n.LoadedModels)).ToList(),
        v.Reservations, v.CreatedAt, v.UpdatedAt);
}

public sealed record ComputeListResponse(IReadOnlyList<ComputeResponse> Value);
