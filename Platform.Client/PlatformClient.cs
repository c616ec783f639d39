using System.Net.Http.Headers;

namespace Platform.Client;

/// <summary>
/// The platform's public API (API.md) as typed calls. One instance per platform; thread-safe; dispose it when done.
/// <code>
/// using var platform = new PlatformClient(new Uri("http://127.0.0.1:8080"), adminKey);
/// var model = await platform.Models.RegisterAsync(new RegisterModelRequest("iris", ["model.onnx"]));
/// </code>
/// </summary>
public sealed class PlatformClient : IDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly bool _ownsHandler;
    private readonly HttpClient _admin;
    private readonly HttpClient _data;

    public PlatformClient(Uri baseAddress, string? adminKey) : this(new PlatformClientOptions { BaseAddress = baseAddress, AdminKey = adminKey })
    {
    }

    public PlatformClient(PlatformClientOptions options)
    {
        Options = options;
        _ownsHandler = options.Handler is null;
        _handler = options.Handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _admin = new HttpClient(_handler, disposeHandler: false) { BaseAddress = options.BaseAddress, Timeout = options.Timeout };
        if (!string.IsNullOrEmpty(options.AdminKey)) _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);
        // Scoring calls carry the endpoint's key or token, never the admin key.
        _data = new HttpClient(_handler, disposeHandler: false) { BaseAddress = options.BaseAddress, Timeout = options.Timeout };

        var control = new ApiConnection(_admin);
        Models = new ModelsClient(control);
        Environments = new EnvironmentsClient(control);
        Computes = new ComputesClient(control);
        Endpoints = new EndpointsClient(control);
        Deployments = new DeploymentsClient(control);
        DeployRules = new DeployRulesClient(control);
        var data = new ApiConnection(_data);
        Scoring = new ScoringClient(data);
        KServe = new KServeRestClient(data);
        KServeGrpc = new KServeGrpcClient(options.ResolvedGrpcAddress);
    }

    public PlatformClientOptions Options { get; }

    public ModelsClient Models { get; }

    public EnvironmentsClient Environments { get; }

    public ComputesClient Computes { get; }

    public EndpointsClient Endpoints { get; }

    public DeploymentsClient Deployments { get; }

    public DeployRulesClient DeployRules { get; }

    /// <summary><c>POST /endpoints/{name}/score</c> and the endpoint's health and swagger document.</summary>
    public ScoringClient Scoring { get; }

    /// <summary>KServe v2 (Open Inference Protocol) over REST.</summary>
    public KServeRestClient KServe { get; }

    /// <summary>KServe v2 over gRPC (<c>inference.GRPCInferenceService</c> on the gateway's gRPC port).</summary>
    public KServeGrpcClient KServeGrpc { get; }

    public void Dispose()
    {
        KServeGrpc.Dispose();
        _admin.Dispose();
        _data.Dispose();
        if (_ownsHandler) _handler.Dispose();
    }
}
