using System.Net;
using GrpcInterop.Tests.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Grpc;

namespace GrpcInterop.Tests.Infrastructure;

/// <summary>
/// A real Kestrel host on 127.0.0.1:0 with an HTTP/2-only (h2c prior knowledge) endpoint serving
/// Echo, health and reflection on grpc-dotnet with ServiceDefaults' AddPlatformGrpc — the same setup as a platform service.
/// </summary>
public class EchoServer : IAsyncLifetime
{
    public const int MaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The server's message limit; the default is the gRPC default of 4 MiB.</summary>
    protected virtual int ReceiveLimit => MaxReceiveMessageSize;

    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public EchoService.CallLog CallLog { get; } = new();

    /// <summary>Flipped by tests to see health Check follow the host's health checks.</summary>
    public ToggleHealthCheck Health { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.AddPlatformGrpc(options =>
        {
            options.MaxReceiveMessageSize = ReceiveLimit;
            options.MaxSendMessageSize = ReceiveLimit;
        });
        builder.Services.AddSingleton<EchoService>();
        builder.Services.AddSingleton(CallLog);
        builder.Services.AddHealthChecks().AddCheck("toggle", Health, tags: ["interop.test.v1.Echo"]);

        _app = builder.Build();
        _app.MapGrpcService<EchoService>();
        _app.MapPlatformGrpcDefaults();
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public sealed class ToggleHealthCheck : IHealthCheck
    {
        public volatile bool Healthy = true;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("toggled off"));
    }
}
