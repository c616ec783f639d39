using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Compute.Tests.Integration;

/// <summary>
/// A real HTTP peer on a free loopback port that answers <c>GET /version</c> like a Kubernetes API server,
/// but only to the bearer token it was given.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeKubernetesApiServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public int VersionRequests;

    public static async Task<FakeKubernetesApiServer> StartAsync(string acceptedToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeKubernetesApiServer(app);
        app.MapGet("/version", (HttpRequest request) =>
        {
            Interlocked.Increment(ref server.VersionRequests);
            return request.Headers.Authorization == $"Bearer {acceptedToken}"
                ? Results.Json(new { major = "1", minor = "30", gitVersion = "v1.30.2", platform = "linux/amd64" })
                : Results.StatusCode(StatusCodes.Status401Unauthorized);
        });
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
