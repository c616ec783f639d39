using System.ComponentModel.DataAnnotations;

namespace Compute.Service;

/// <summary>Settings under <c>Compute:</c>, validated when the service starts.</summary>
public sealed class ComputeOptions
{
    public const string Section = "Compute";

    /// <summary>How often inference nodes are told to heartbeat.</summary>
    [Range(1, 3600)]
    public int HeartbeatIntervalSeconds { get; set; } = 5;

    /// <summary>A node that misses this many heartbeats in a row is Unhealthy and its capacity is not offered.</summary>
    [Range(1, 100)]
    public int MissedHeartbeatsBeforeUnhealthy { get; set; } = 3;

    /// <summary>How long an attach waits for a Kubernetes API server to answer /version.</summary>
    [Range(1, 120)]
    public int ApiServerTimeoutSeconds { get; set; } = 5;

    /// <summary>How often the provisioning worker looks for computes still Creating (it is also woken on every change).</summary>
    [Range(100, 600_000)]
    public int ProvisioningPollMilliseconds { get; set; } = 5000;

    public TimeSpan Lease => TimeSpan.FromSeconds(HeartbeatIntervalSeconds * MissedHeartbeatsBeforeUnhealthy);
}
