using System.ComponentModel.DataAnnotations;

namespace Inference.Service;

/// <summary>Settings of an inference node, section <c>Inference</c>.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>
    /// This node's identity towards Compute and in status. Default: the instance name Aspire gives each replica
    /// (<c>service.instance.id</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c>, as on the dashboard), else the machine name.
    /// </summary>
    [Required]
    public string NodeName { get; set; } = InstanceName() ?? Environment.MachineName;

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

    /// <summary>
    /// Run Kestrel's transport and application continuations on the thread that completed the I/O instead of queueing
    /// them to the thread pool (Extensions/NodeTransport.cs). Read at start.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>Run socket completions on the socket engine's threads (one per core) instead of the thread pool. Read at start.</summary>
    public bool InlineSocketCompletions { get; set; } = true;

    /// <summary>"inference-ebpqfevc": the service name and the replica's suffix, as the dashboard lists the replica.</summary>
    private static string? InstanceName()
    {
        var instance = Environment.GetEnvironmentVariable("OTEL_RESOURCE_ATTRIBUTES")?.Split(',')
            .Select(a => a.Split('=', 2))
            .FirstOrDefault(kv => kv.Length == 2 && kv[0].Trim() == "service.instance.id" && kv[1].Trim().Length > 0)?[1].Trim();
        var service = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME");
        if (instance is null || string.IsNullOrWhiteSpace(service) || instance.StartsWith(service + "-", StringComparison.Ordinal)) return instance;
        return $"{service}-{instance}";
    }
}
