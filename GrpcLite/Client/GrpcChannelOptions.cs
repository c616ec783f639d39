namespace GrpcLite;

/// <summary>Settings of a channel (one target address).</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null means no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compresses request messages with gzip (and says so in <c>grpc-encoding</c>).</summary>
    public bool CompressRequests { get; set; }

    /// <summary>Attempts after the first for idempotent calls that fail with UNAVAILABLE.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    public double BackoffMultiplier { get; set; } = 2.0;

    /// <summary>A handler to send through instead of the channel's own SocketsHttpHandler (tests, proxies).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether the channel disposes <see cref="HttpHandler"/> when it is disposed.</summary>
    public bool DisposeHttpHandler { get; set; } = true;
}
