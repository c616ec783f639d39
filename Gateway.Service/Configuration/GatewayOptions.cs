using System.ComponentModel.DataAnnotations;

namespace Gateway.Service.Configuration;

/// <summary>Settings under <c>Gateway:</c>; validated when the host starts so a bad value stops the gateway with its name.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>File holding the admin key for <c>/api/v1</c>; created on first start when missing. Defaults to <c>{DataRoot}/admin-key</c>.</summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>File holding the gateway's own secret (endpoint keys are derived from it, tokens signed with it). Defaults to <c>{DataRoot}/gateway/secret</c>.</summary>
    public string? SecretFile { get; set; }

    /// <summary>Largest scoring body for an endpoint that does not set its own limit.</summary>
    [Range(1024, 1L << 31)]
    public long DefaultMaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a scoring request may take end to end; the downstream call is cancelled after it (504).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Mirror copies in flight at once; copies beyond it are dropped, never queued (mirroring must not slow live traffic).</summary>
    [Range(1, 10_000)]
    public int MirrorConcurrency { get; set; } = 64;

    /// <summary>Full routing-table refresh even without events, so a missed RoutingChanged heals by itself.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RoutingRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A scoring request about to be refused 503 (nothing Healthy to route to) is first checked against a fresh table
    /// when the one in memory is older than this: Deploy calls a deployment Healthy a moment before its RoutingChanged
    /// reaches the gateway, and a client that polled for Healthy scores at once. A lasting outage costs at most one
    /// fetch per this age (concurrent requests share it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RoutingRecheckAge { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// HTTP version towards inference nodes' REST endpoints: "1.1" (pooled keep-alive connections) or "2.0" (h2c with
    /// prior knowledge). 1.1 by default because the nodes' REST endpoint is Kestrel's Http1AndHttp2, which without
    /// TLS speaks HTTP/2 only after ALPN, never with prior knowledge; "2.0" suits nodes whose endpoint is Http2-only.
    /// </summary>
    [RegularExpression(@"^(1\.1|2\.0)$")]
    public string NodeHttpVersion { get; set; } = "1.1";

    /// <summary>
    /// Whether calls to inference nodes also feed .NET's HTTP client metrics (<c>System.Net.Http</c>:
    /// http.client.request.duration, active requests). Off by default: <c>gateway.request.duration</c> already
    /// measures every scoring call by endpoint, deployment and status, and the client metrics of the same hop cost
    /// three more measurements per request (see <see cref="Proxy.NodeHttpClients"/>). The gateway's other clients
    /// (Registry, Deploy) keep theirs.
    /// </summary>
    public bool NodeClientMetrics { get; set; }

    /// <summary>
    /// Run Kestrel's transport and application continuations on the thread that completed the I/O instead of
    /// queueing them to the thread pool (<see cref="GatewayTransport"/>). Read at start.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Run socket completions on the socket engine's threads (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>,
    /// one engine per core) instead of queueing them to the thread pool (<see cref="GatewayTransport"/>). Read at start.
    /// </summary>
    public bool InlineSocketCompletions { get; set; } = true;

    /// <summary>
    /// Which code forwards <c>/endpoints/{e}/score</c> to a node: "own" (ScoringForwarder) or "yarp" (YARP's
    /// IHttpForwarder, YarpScoringForwarder). Both are kept so bench/scoring can measure one against the other in one
    /// run (<c>--gateway-variant yarp:Gateway__Forwarder=yarp</c>); the default is the one that measured faster:
    /// ours, at 88 µs of gateway CPU per request against YARP's 165 and 4,215 against 2,707 req/s at c=32 (iris MLP,
    /// 2 cores, 2026-12-04; YARP copies every header both ways and streams the body through its own content type).
    /// KServe v2 always takes ours (its answers' model name is rewritten).
    /// </summary>
    [RegularExpression("^(own|yarp)$")]
    public string Forwarder { get; set; } = "own";

    public string ResolveAdminKeyFile(string? dataRoot) =>
        AdminKeyFile is { Length: > 0 } f ? f : Path.Combine(dataRoot is { Length: > 0 } ? dataRoot : ".data", "admin-key");

    public string ResolveSecretFile(string? dataRoot) =>
        SecretFile is { Length: > 0 } f ? f : Path.Combine(dataRoot is { Length: > 0 } ? dataRoot : ".data", "gateway", "secret");
}
