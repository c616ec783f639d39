namespace Contracts.Events;

// Bus messages between services: past tense, ids and versions only, never whole blobs.
// EventId lets consumers drop duplicates (delivery is at least once).

public sealed record ModelRegistered(Guid EventId, string ModelName, int Version, string Framework, DateTimeOffset OccurredAt);

public sealed record ModelDeleted(Guid EventId, string ModelName, int Version, DateTimeOffset OccurredAt);

public sealed record ComputeTargetChanged(Guid EventId, string ComputeName, string ComputeType, string ProvisioningState, string? Error, DateTimeOffset OccurredAt);

public sealed record DeploymentStateChanged(Guid EventId, string Endpoint, string Deployment, string State, string? Error, DateTimeOffset OccurredAt);

public sealed record RoutingChanged(Guid EventId, string Endpoint, long RoutingVersion, DateTimeOffset OccurredAt);
