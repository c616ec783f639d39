using System.ComponentModel.DataAnnotations;

namespace Inference.Service;

/// <summary>Settings of an inference node, section <c>Inference</c>.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>This node's identity towards Compute and in status (AppHost sets inference-0, inference-1, …).</summary>
    [Required]
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Queue bound for models whose settings leave it at 0.</summary>
    [Range(1, 1_000_000)]
    public int DefaultMaxQueueSize { get; set; } = 1024;

    /// <summary>At most this many of the usable GPUs are offered; empty = all (see Runtime/GpuInventory), 0 = none.</summary>
    [Range(0, 64)]
    public int? Gpus { get; set; }

    /// <summary>Addresses Compute hands out for this node; default: the Kestrel endpoints <c>http</c> and <c>grpc</c>.</summary>
    public string? AdvertisedHttpAddress { get; set; }
    public string? AdvertisedGrpcAddress { get; set; }

    /// <summary>How often the node heartbeats to Compute when Compute's address is configured.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);
}
