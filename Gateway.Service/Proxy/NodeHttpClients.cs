using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Gateway.Service.Configuration;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Gateway.Service.Proxy;

/// <summary>
/// The pooled connections to inference nodes: one handler, which keeps a connection pool per node address, with
/// connections kept open between requests: HTTP/1.1 keep-alive by default, or HTTP/2 with prior knowledge (several
/// connections allowed so a busy node is not held to one connection's stream window); see
/// <see cref="GatewayOptions.NodeHttpVersion"/>. No retry or timeout handlers here: the forwarder decides what is
/// safe to retry and owns the per-request timeout.
/// </summary>
public sealed class NodeHttpClients : IDisposable
{
    /// <summary>Requests up to this size go to a node in one send (<see cref="RequestCoalescingStream"/>); larger ones stream.</summary>
    public const int CoalescedRequestBytes = 1024 * 1024;

    private readonly HttpMessageInvoker _invoker;

    public NodeHttpClients(IOptions<GatewayOptions> options, PlatformCredential credential)
    {
        HttpVersion = options.Value.NodeHttpVersion == "1.1" ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20;
        // Nodes answer only calls that carry the platform credential.
        _invoker = new HttpMessageInvoker(new PlatformCredentialHandler(credential) { InnerHandler = new SocketsHttpHandler
        {
            ConnectCallback = HttpVersion == System.Net.HttpVersion.Version11 ? ConnectCoalescingAsync : null,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            // Re-resolve now and then: a node may restart on the same address.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 256,
            MeterFactory = options.Value.NodeClientMetrics ? null : UnexportedMeters.Instance,
        } }, disposeHandler: true);
    }

    /// <summary>
    /// Gives the node handler's HTTP client instruments a meter that no exporter subscribes to (OpenTelemetry listens
    /// to "System.Net.Http" by name), so they stay disabled and the handler skips them: per scoring request that is
    /// three measurements less (active requests up and down, the duration with its tags; metrics were ≈8 % of
    /// the gateway's CPU per request in bench/scoring's profile). What they said, the gateway's own <c>gateway.request.duration</c> says per endpoint.
    /// </summary>
    private sealed class UnexportedMeters : IMeterFactory
    {
        public static readonly UnexportedMeters Instance = new();
        private readonly Meter _meter = new("Gateway.Service.NodeHttpClient.Unexported");

        public Meter Create(MeterOptions options) => _meter;

        public void Dispose() { }
    }

    public Version HttpVersion { get; }

    /// <summary>The invoker for requests to <paramref name="node"/> (one handler serves every node, pooled per address).</summary>
    public HttpMessageInvoker For(Uri node) => _invoker;

    /// <summary>What SocketsHttpHandler does by default (a TCP connection with Nagle off), with the request coalescing on top.</summary>
    private static async ValueTask<Stream> ConnectCoalescingAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new RequestCoalescingStream(new NetworkStream(socket, ownsSocket: true), CoalescedRequestBytes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _invoker.Dispose();
}
