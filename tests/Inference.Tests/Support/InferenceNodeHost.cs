using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Service.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Security;

namespace Inference.Tests.Support;

/// <summary>
/// One real inference node on Kestrel (HTTP on one port, h2c gRPC on another), composed exactly as Program.cs composes it,
/// shared by a test class. Tests talk to it only over HTTP and gRPC.
/// </summary>
public sealed class InferenceNodeHost : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri HttpAddress { get; private set; } = null!;
    public Uri GrpcAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public GrpcChannel Grpc { get; private set; } = null!;

    /// <summary>The credential the node demands; <see cref="Http"/> and <see cref="Grpc"/> send it on every call.</summary>
    public PlatformCredential Credential { get; } = new(Convert.ToHexString(Guid.NewGuid().ToByteArray()));

    public async Task InitializeAsync()
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Inference:NodeName"] = "inference-test",
            ["Platform:InternalKey"] = Credential.Key,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddInferenceNode();
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapInferenceApis();
        await _app.StartAsync();

        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        Http = new HttpClient(new PlatformCredentialHandler(Credential) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = HttpAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        Grpc = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new PlatformCredentialHandler(Credential) { InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } },
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Grpc?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
