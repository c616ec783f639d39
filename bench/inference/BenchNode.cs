using System.Net;
using System.Net.Sockets;
using Contracts.Inference;
using Grpc.Net.Client;
using Inference.Service.Extensions;

namespace Inference.Bench;

/// <summary>The inference node on real Kestrel sockets (HTTP/1.1 REST, h2c gRPC), composed as Program.cs composes it.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchNode(WebApplication app, int httpPort, int grpcPort)
    {
        _app = app;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
            Timeout = TimeSpan.FromSeconds(60),
            // Nodes answer only calls that carry the platform credential.
            DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Credential) },
        };
        // gRPC calls carry the credential too (without it every call is refused UNAUTHENTICATED).
        Grpc = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{grpcPort}"), new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = new ServiceDefaults.Security.PlatformCredentialHandler(new ServiceDefaults.Security.PlatformCredential(Credential))
            {
                InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan },
            },
        });
        KServe = new GRPCInferenceService.GRPCInferenceServiceClient(Grpc);
    }

    /// <summary>The platform credential this in-process node demands (a fixed one: nothing else can reach it).</summary>
    private const string Credential = "inference-bench-platform-credential";

    public HttpClient Http { get; }
    public Inference.Service.Models.InferenceExecutor Executor => _app.Services.GetRequiredService<Inference.Service.Models.InferenceExecutor>();
    public GrpcChannel Grpc { get; }
    public GRPCInferenceService.GRPCInferenceServiceClient KServe { get; }

    public static async Task<BenchNode> StartAsync()
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Inference:NodeName"] = "bench",
            ["Platform:InternalKey"] = Credential,
            ["Inference:DefaultMaxQueueSize"] = "4096",
        });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddInferenceNode();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapInferenceApis();
        await app.StartAsync();
        return new BenchNode(app, httpPort, grpcPort);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Grpc.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
