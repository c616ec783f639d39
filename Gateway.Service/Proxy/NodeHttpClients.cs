using System.Collections.Concurrent;
using System.Net;
using Gateway.Service.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Proxy;

/// <summary>
/// One pooled connection handler per inference node (by address), keeping connections open between requests:
/// HTTP/1.1 keep-alive by default, or HTTP/2 with prior knowledge (several connections allowed so a busy node is
/// not held to one connection's stream window); see <see cref="GatewayOptions.NodeHttpVersion"/>. No retry or timeout handlers here:
/// the forwarder decides what is safe to retry and owns the per-request timeout.
/// </summary>
public sealed class NodeHttpClients(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.OrdinalIgnoreCase);

    public Version HttpVersion { get; } = options.Value.NodeHttpVersion == "1.1" ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20;

    public HttpMessageInvoker For(Uri node) => _clients.GetOrAdd(node.GetLeftPart(UriPartial.Authority), static _ => new HttpMessageInvoker(new SocketsHttpHandler
    {
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
    }, disposeHandler: true));

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
