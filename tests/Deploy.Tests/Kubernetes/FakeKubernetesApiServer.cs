using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Deploy.Tests.Kubernetes;

/// <summary>
/// Stands in for a Kubernetes API server (no cluster can run on a build machine): a real HTTP server on a loopback
/// port that records every request and answers the calls Deploy makes as the API server would — server-side apply
/// stores and returns the object (bumping metadata.generation when its spec changes), GET of a Deployment reports the
/// status the test sets, a watch of a Deployment (<c>?watch=true&amp;fieldSelector=metadata.name=…</c>) streams an event
/// each time that status or the object changes, DELETE removes (404 when absent), and failures come back as
/// <c>Status</c> objects. Nothing schedules pods: the test says how many replicas are ready.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string? Authorization, string Body);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
    private readonly ConcurrentDictionary<string, (int Code, string Reason, string Message)> _failures = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly string _token;

    private FakeKubernetesApiServer(WebApplication app, string token)
    {
        _app = app;
        _token = token;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Ready replicas every Deployment reports; null: the Deployment's own replica count.</summary>
    public int? ReadyReplicas { get; set; } = 0;

    /// <summary>Whether the reported status has caught up with the newest generation.</summary>
    public bool Observed { get; set; } = true;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public JsonObject? Object(string path) => _objects.TryGetValue(path, out var o) ? (JsonObject)o.DeepClone() : null;

    public IReadOnlyCollection<string> ObjectPaths => _objects.Keys.ToArray();

    /// <summary>Calls to <paramref name="path"/> with <paramref name="method"/> answer a Status failure from now on.</summary>
    public void Fail(string method, string path, int code, string reason, string message) => _failures[$"{method} {path}"] = (code, reason, message);

    public static async Task<FakeKubernetesApiServer> StartAsync(string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeKubernetesApiServer(app, token);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var path = request.Path.Value ?? "/";
        _requests.Enqueue(new RecordedRequest(request.Method, path, request.QueryString.Value ?? "", request.ContentType, request.Headers.Authorization, body));

        if (request.Headers.Authorization != $"Bearer {_token}")
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }
        if (path == "/version")
        {
            await context.Response.WriteAsJsonAsync(new { major = "1", minor = "30", gitVersion = "v1.30.2" });
            return;
        }
        if (_failures.TryGetValue($"{request.Method} {path}", out var failure))
        {
            await StatusAsync(context, failure.Code, failure.Reason, failure.Message);
            return;
        }
        if (request.Method == "GET" && request.Query["watch"] == "true")
        {
            await WatchAsync(context, path);
            return;
        }
        var name = path[(path.LastIndexOf('/') + 1)..];
        switch (request.Method)
        {
            case "PATCH":
                var applied = JsonNode.Parse(body)!.AsObject();
                var stored = _objects.AddOrUpdate(path, _ => WithGeneration(applied, 1), (_, old) =>
                {
                    var generation = (long)old["metadata"]!["generation"]!;
                    var changed = !JsonNode.DeepEquals(old["spec"], applied["spec"]);
                    return WithGeneration(applied, changed ? generation + 1 : generation);
                });
                await context.Response.WriteAsync(stored.ToJsonString());
                return;
            case "GET" when _objects.TryGetValue(path, out var found):
                await context.Response.WriteAsync(WithStatus(found).ToJsonString());
                return;
            case "DELETE" when _objects.TryRemove(path, out var removed):
                // As the API server answers a foreground delete: the object, marked for deletion.
                removed["metadata"]!["deletionTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
                await context.Response.WriteAsync(removed.ToJsonString());
                return;
            default:
                await StatusAsync(context, 404, "NotFound", $"\"{name}\" not found");
                return;
        }
    }

    /// <summary>The object as a GET answers it: a Deployment with the status the test set.</summary>
    private JsonObject WithStatus(JsonObject found)
    {
        var answer = (JsonObject)found.DeepClone();
        if ((string?)answer["kind"] != "Deployment") return answer;
        var generation = (long)answer["metadata"]!["generation"]!;
        var replicas = (int)answer["spec"]!["replicas"]!;
        answer["status"] = new JsonObject
        {
            ["observedGeneration"] = Observed ? generation : generation - 1,
            ["replicas"] = replicas,
            ["readyReplicas"] = ReadyReplicas ?? replicas,
            ["updatedReplicas"] = ReadyReplicas ?? replicas,
        };
        return answer;
    }

    /// <summary>
    /// A watch of one object of a collection, as the API server streams it: one JSON line per event (ADDED first, then
    /// MODIFIED on every change, DELETED when it goes), until timeoutSeconds or the client leaves.
    /// </summary>
    private async Task WatchAsync(HttpContext context, string collection)
    {
        var selector = (string?)context.Request.Query["fieldSelector"] ?? "";
        if (!selector.StartsWith("metadata.name=", StringComparison.Ordinal))
        {
            await StatusAsync(context, 400, "BadRequest", "this fake watches one object by fieldSelector=metadata.name=…");
            return;
        }
        var path = $"{collection}/{selector["metadata.name=".Length..]}";
        var seconds = int.TryParse(context.Request.Query["timeoutSeconds"], out var s) ? s : 1800;
        using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        until.CancelAfter(TimeSpan.FromSeconds(seconds));
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        string? last = null;
        try
        {
            while (!until.IsCancellationRequested)
            {
                var current = _objects.TryGetValue(path, out var found) ? WithStatus(found).ToJsonString() : null;
                if (current != last)
                {
                    var type = current is null ? "DELETED" : last is null ? "ADDED" : "MODIFIED";
                    var line = new JsonObject { ["type"] = type, ["object"] = JsonNode.Parse(current ?? last!) };
                    await context.Response.WriteAsync(line.ToJsonString() + "\n", until.Token);
                    await context.Response.Body.FlushAsync(until.Token);
                    last = current;
                }
                await Task.Delay(20, until.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The watch's time is up or the client left: the stream ends.
        }
    }

    private static JsonObject WithGeneration(JsonObject applied, long generation)
    {
        var copy = (JsonObject)applied.DeepClone();
        copy["metadata"]!["generation"] = generation;
        copy["metadata"]!["uid"] = Guid.NewGuid().ToString();
        return copy;
    }

    private static Task StatusAsync(HttpContext context, int code, string reason, string message, string status = "Failure")
    {
        context.Response.StatusCode = code;
        return context.Response.WriteAsJsonAsync(new { kind = "Status", apiVersion = "v1", metadata = new { }, status, message, reason, code });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
