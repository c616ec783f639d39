namespace Contracts.Events;

// Bus messages between services: past tense, ids and versions only, never whole blobs.
// EventId lets consumers drop duplicates (delivery is at least once).

public sealed record ModelRegistered(Guid EventId, string ModelName, int Version, string Framework, DateTimeOffset OccurredAt);

public sealed record ModelDeleted(Guid EventId, string ModelName, int Version, DateTimeOffset OccurredAt);

public sealed record ComputeTargetChanged(Guid EventId, string ComputeName, string ComputeType, string ProvisioningState, string? Error, DateTimeOffset OccurredAt);

public sealed record DeploymentStateChanged(Guid EventId, string Endpoint, string Deployment, string State, string? Error, DateTimeOffset OccurredAt);

public sealed record RoutingChanged(Guid EventId, string Endpoint, long RoutingVersion, DateTimeOffset OccurredAt);

/// <summary>An inference node registered with Compute (first seen, or registered again after a restart), or heartbeats again after its lease expired (<paramref name="Returned"/>).</summary>
public sealed record NodeRegistered(Guid EventId, string NodeName, string HttpAddress, string GrpcAddress, bool Returned, DateTimeOffset OccurredAt);

/// <summary>An inference node's heartbeat lease expired: Compute no longer places on it or counts its capacity.</summary>
public sealed record NodeLost(Guid EventId, string NodeName, DateTimeOffset LastHeartbeatAt, DateTimeOffset OccurredAt);
