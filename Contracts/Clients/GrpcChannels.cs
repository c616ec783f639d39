using System.Collections.Concurrent;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace Contracts.Clients;

/// <summary>
/// One long-lived <see cref="GrpcChannel"/> per address for the whole process, for peers that are many and come and go
/// (inference nodes): a channel owns a connection pool, so making one per call would leak connections and pay a
/// handshake each time. Services known by name are registered with Grpc.Net.ClientFactory instead.
/// </summary>
public static class GrpcChannels
{
    /// <summary>Inference requests and responses may be large tensors; the node accepts up to the same size.</summary>
    public const int MaxMessageBytes = 256 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, GrpcChannel> Shared = new(StringComparer.OrdinalIgnoreCase);

    public static GrpcChannel ForAddress(string address) => ForAddress(new Uri(address));

    public static GrpcChannel ForAddress(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
            throw new UriFormatException($"gRPC address '{address}' must be http:// or https://.");
        return Shared.GetOrAdd(address.GetLeftPart(UriPartial.Authority), key => GrpcChannel.ForAddress(key, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // A node that went away without closing its connections is noticed within a minute and a half.
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            },
            ServiceConfig = ReadsRetried,
        }));
    }

    /// <summary>Only the node's read-only calls are retried on UNAVAILABLE; loads and inference are the caller's to repeat.</summary>
    private static readonly ServiceConfig ReadsRetried = new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names =
                {
                    new MethodName { Service = "node.v1.InferenceNode", Method = "ListModels" },
                    new MethodName { Service = "node.v1.InferenceNode", Method = "GetNodeStatus" },
                },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 4,
                    InitialBackoff = TimeSpan.FromMilliseconds(100),
                    MaxBackoff = TimeSpan.FromSeconds(1),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { Grpc.Core.StatusCode.Unavailable },
                },
            },
        },
    };
}
