using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Support;

/// <summary>
/// A real Kestrel server on a free port speaking the node's data-plane routes (and an upstream control-plane
/// service's), recording what reached it. Lets the gateway tests see exactly which deployment a request was
/// forwarded to, with which body and headers, over a real HTTP/2 connection.
/// Models: "slow-*" answer after 5 s, "busy-*" answer 429 like a node whose queue is full.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<(string Model, string Protocol, string Body)> Requests { get; } = new();

    /// <summary>The Authorization header each score request arrived with (the platform's credential, never a caller's).</summary>
    public ConcurrentQueue<string?> ScoreAuthorizations { get; } = new();

    public ConcurrentQueue<(string Method, string PathAndQuery, long BodyBytes, string? ContentType, string? Authorization)> ControlPlaneRequests { get; } = new();

    public Uri Address { get; private set; } = null!;

    private TestNode(WebApplication app) => _app = app;

    public static async Task<TestNode> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The test's output folder holds the gateway's appsettings.json (ports 8080/8081): this server reads none of it.
        ((IConfigurationBuilder)builder.Configuration).Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2);
        });
        var app = builder.Build();
        var node = new TestNode(app);

        app.MapPost("/models/{model}/score", async (HttpContext context, string model) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            node.Requests.Enqueue((model, context.Request.Protocol, body));
            node.ScoreAuthorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            if (model.StartsWith("slow-", StringComparison.Ordinal)) await Task.Delay(5_000, context.RequestAborted);
            if (model.StartsWith("busy-", StringComparison.Ordinal))
                return Results.Problem(detail: "queue full", statusCode: 429);
            return Results.Json(new { node = name, model, echo = body });
        });
        app.MapPost("/v2/models/{model}/infer", async (HttpContext context, string model) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            node.Requests.Enqueue((model, context.Request.Protocol, body));
            return Results.Json(new { model_name = model, id = "1", outputs = new[] { new { name = "y", datatype = "FP32", shape = new[] { 1 }, data = new[] { 1.5 } } } });
        });
        app.Map("/api/v1/{**rest}", async (HttpContext context) =>
        {
            long total = 0;
            var buffer = new byte[81920];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0) total += read;
            node.ControlPlaneRequests.Enqueue((context.Request.Method, context.Request.Path + context.Request.QueryString, total,
                context.Request.ContentType, context.Request.Headers.Authorization.ToString()));
            if (context.Request.Path.StartsWithSegments("/api/v1/models/missing"))
                return Results.Problem(detail: "Model 'missing' was not found.", statusCode: 404);
            context.Response.Headers.Location = $"{node.Address.GetLeftPart(UriPartial.Authority)}/api/v1/models/m/versions/1";
            return Results.Json(new { service = name, received = total }, statusCode: context.Request.Method == "POST" ? 201 : 200);
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node.Address = new Uri(address);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
