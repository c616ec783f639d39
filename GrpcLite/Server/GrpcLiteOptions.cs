namespace GrpcLite;

/// <summary>Server-wide settings of the gRPC layer.</summary>
public sealed class GrpcLiteOptions
{
    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null means no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Sends exception messages to clients. Off by default: internals must not leak.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>How often a health Watch stream re-evaluates the health checks.</summary>
    public TimeSpan HealthWatchInterval { get; set; } = TimeSpan.FromSeconds(5);
}
