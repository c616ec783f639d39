using Compute.Service.Domain;

namespace Compute.Service.Application;

public static class NodeStates
{
    public const string Healthy = "Healthy";
    public const string Unhealthy = "Unhealthy";
}

public sealed record NodeView(
    string Name, string HttpAddress, string GrpcAddress, string State,
    Capacity Capacity, Capacity Reserved, Capacity Free, Capacity InUse,
    DateTimeOffset LastHeartbeatAt, IReadOnlyList<string> LoadedModels);

public sealed record ComputeView(
    string Name, string Type, string? Purpose, string? VmSize, int? AgentCount,
    string ProvisioningState, string? Error, string? ApiServer, string? Namespace,
    Capacity Capacity, Capacity Free, IReadOnlyList<NodeView> Nodes, int Reservations,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ReplicaPlacement(string NodeName, string HttpAddress, string GrpcAddress);

public sealed record ReservationResult(string ReservationId, string Compute, IReadOnlyList<ReplicaPlacement> Placements, decimal QuotaCores);
