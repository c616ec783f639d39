using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Service.Apis;
using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Gateway.Service.Routing;
using Gateway.Service.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace Gateway.Service.Proxy;

/// <summary>
/// The data path for REST scoring: credential check and deployment choice from memory, body read within the
/// endpoint's limit, forwarded to the least-busy replica over a pooled connection, the answer streamed back with
/// the answering deployment in <c>azureml-model-deployment</c>. Node statuses (429 when its queue is full, 400
/// for a bad tensor) pass through unchanged; the gateway's own failures are problem details.
/// </summary>
public sealed class ScoringForwarder(
    RoutingTableCache routing,
    ScoringDeploymentChooser chooser,
    EndpointAuthenticator authenticator,
    ReplicaBalancer balancer,
    NodeHttpClients clients,
    MirrorDispatcher mirrors,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<ScoringForwarder> logger)
{
    public const string InferenceHeaderLength = "Inference-Header-Content-Length";

    public async Task<IResult> ForwardAsync(HttpContext context, string endpointName, NodeRoute route)
    {
        var started = Stopwatch.GetTimestamp();
        var endpoint = routing.Current.Find(endpointName);
        var (status, deploymentName, result) = await ForwardCoreAsync(context, endpoint, route);
        metrics.Request(endpoint?.Name ?? "", deploymentName, NodeRoutes.Protocol(route), status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private async Task<(int Status, string? Deployment, IResult Result)> ForwardCoreAsync(HttpContext context, EndpointRoute? endpoint, NodeRoute route)
    {
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return (401, null, GatewayProblems.Unauthorized(context));

        (endpoint, var selection) = await chooser.ChooseAsync(endpoint!, context.Request);
        if (!selection.Succeeded)
            return (selection.FailureStatus, null, Problems.Status(selection.FailureStatus, selection.FailureReason!));
        var deployment = selection.Deployment!;

        // A scoring script takes any body (images, text) as Azure ML's do; the model's own /score takes JSON.
        if (route == NodeRoute.Score && !deployment.IsScript && context.Request.ContentType is { } type && !ControlPlaneBody.IsJson(type))
            return (415, null, Problems.Status(detail: $"/score takes application/json ({{\"data\": …}}), not '{type}'.",
                status: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type"));
        var passThrough = route == NodeRoute.Score && deployment.IsScript ? context.Request : null;

        var limit = endpoint!.MaxBodyBytes > 0 ? endpoint.MaxBodyBytes : options.Value.DefaultMaxBodyBytes;
        using var body = await RequestBody.ReadAsync(context, limit);
        if (body is null)
            return (413, deployment.Name, Problems.Status(
                detail: $"The request body is larger than the {limit} bytes endpoint '{endpoint.Name}' accepts.",
                status: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large"));

        var contentType = context.Request.ContentType;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var response = await SendWithFailoverAsync(deployment, route, body.Memory, contentType, context.Request.Headers[InferenceHeaderLength], timeout.Token, passThrough);
            if (response is null)
                return (503, deployment.Name, Problems.Status(
                    detail: $"No replica of deployment '{deployment.Name}' could be reached.", status: StatusCodes.Status503ServiceUnavailable));

            if (!selection.Pinned) mirrors.Dispatch(endpoint, deployment, route, body.Memory, contentType);

            context.Response.Headers[DeploymentSelector.PinHeader] = deployment.Name;
            if (passThrough is not null) CopyScriptHeaders(response, context);
            await CopyResponseAsync(context, response, route, endpoint.Name, timeout.Token);
            return ((int)response.StatusCode, deployment.Name, Results.Empty);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: its call downstream is cancelled with it; nobody reads an answer.
            return (499, deployment.Name, Results.Empty);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            if (context.Response.HasStarted) context.Abort();
            return (504, deployment.Name, context.Response.HasStarted ? Results.Empty : Problems.Status(
                detail: $"Deployment '{deployment.Name}' did not answer within {options.Value.RequestTimeout.TotalSeconds:0.###} s; the request was cancelled.",
                status: StatusCodes.Status504GatewayTimeout, title: "Gateway Timeout"));
        }
    }

    /// <summary>
    /// Sends to the least-busy replica; on a connection failure, or a 404 from a node that no longer has the model
    /// (a replica being replaced before the new routing table arrived), tries the other replicas once each.
    /// The body is already in memory, so resending is safe; scoring has no side effects.
    /// </summary>
    private async Task<HttpResponseMessage?> SendWithFailoverAsync(DeploymentRoute deployment, NodeRoute route, ReadOnlyMemory<byte> body,
        string? contentType, string? inferenceHeaderLength, CancellationToken cancellationToken, HttpRequest? passThrough = null)
    {
        var replicas = deployment.Replicas;
        var replica = balancer.Choose(replicas);
        List<ReplicaRoute>? tried = null;
        for (var attempt = 0; replica is not null && attempt < replicas.Count; attempt++)
        {
            var last = attempt == replicas.Count - 1;
            var uri = deployment.NodeUri(replica, route);
            if (passThrough is { QueryString.HasValue: true }) uri = new Uri(uri + passThrough.QueryString.Value);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri)
            {
                Version = clients.HttpVersion,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ReadOnlyMemoryContent(body),
            };
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            if (!string.IsNullOrEmpty(inferenceHeaderLength)) request.Headers.TryAddWithoutValidation(InferenceHeaderLength, inferenceHeaderLength);
            if (passThrough is not null)
            {
                // run() of a @rawhttp script sees the caller's headers (never the caller's credential).
                foreach (var (name, values) in passThrough.Headers)
                    if (!ScriptSkippedRequestHeaders.Contains(name)) request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }

            HttpResponseMessage? response = null;
            using (balancer.Begin(replica))
            {
                try
                {
                    response = await clients.For(replica.HttpAddress).SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Replica {Node} of deployment {Deployment} is unreachable", replica.NodeName, deployment.Name);
                }
            }
            if (response is not null)
            {
                if (response.StatusCode != HttpStatusCode.NotFound || last) return response;
                response.Dispose();
            }
            if (last) break;
            (tried ??= new List<ReplicaRoute>(replicas.Count)).Add(replica);
            replica = replicas.Where(r => !tried.Contains(r)).MinBy(balancer.Outstanding);
        }
        return null;
    }

    private static readonly HashSet<string> ScriptSkippedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Host", "Connection", "Content-Length", "Content-Type", "Transfer-Encoding", "Keep-Alive", "Upgrade", "TE",
        InferenceHeaderLength,
    };

    private static readonly HashSet<string> ScriptSkippedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Transfer-Encoding", "Keep-Alive", "Server", "Date", "Content-Length", "Content-Type", DeploymentSelector.PinHeader,
    };

    /// <summary>The headers run() set on its AMLResponse (CORS and the like) reach the caller.</summary>
    private static void CopyScriptHeaders(HttpResponseMessage response, HttpContext context)
    {
        foreach (var (name, values) in response.Headers)
            if (!ScriptSkippedResponseHeaders.Contains(name)) context.Response.Headers[name] = values.ToArray();
    }

    private static async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response, NodeRoute route, string endpointName, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        // Headers are passed on as the node wrote them: read unparsed (the typed getters parse into header objects
        // only for us to format them back, per request).
        if (response.Headers.NonValidated.TryGetValues("Retry-After", out var retryAfter)) context.Response.Headers.RetryAfter = retryAfter.ToString();
        var contentHeaders = response.Content.Headers;
        if (contentHeaders.NonValidated.TryGetValues("Content-Type", out var type)) context.Response.ContentType = type.ToString();

        if (route == NodeRoute.V2Infer && response.IsSuccessStatusCode)
        {
            // KServe answers name the model; clients asked for the endpoint, so the node-local name is replaced.
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var headerLength = response.Headers.TryGetValues(InferenceHeaderLength, out var values) && int.TryParse(values.FirstOrDefault(), out var n) ? n : bytes.Length;
            var rewritten = V2ModelNameRewriter.Rewrite(bytes, headerLength, endpointName, out var newHeaderLength);
            if (response.Headers.Contains(InferenceHeaderLength))
                context.Response.Headers[InferenceHeaderLength] = newHeaderLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentLength = rewritten.Length;
            await context.Response.Body.WriteAsync(rewritten, cancellationToken);
            return;
        }

        if (contentHeaders.ContentLength is { } length)
        {
            context.Response.ContentLength = length;
            await response.Content.CopyToAsync(context.Response.Body, cancellationToken);
            return;
        }

        // A chunked answer: a small one (any scoring answer of a small model) is read whole so the client gets it
        // with a Content-Length in one write, instead of chunk framing and a separate write for the last chunk.
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferedAnswerBytes);
        try
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0) filled += read;
            if (filled < buffer.Length)
            {
                context.Response.ContentLength = filled;
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                return;
            }
            await context.Response.Body.WriteAsync(buffer, cancellationToken);
            await stream.CopyToAsync(context.Response.Body, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Chunked answers up to this size are buffered and sent with a Content-Length; larger ones stream.</summary>
    private const int BufferedAnswerBytes = 64 * 1024;
}

/// <summary>
/// A request body read into memory, refusing it (null) once it exceeds the limit — before reading when
/// Content-Length says so. The bytes live in a pooled array, returned on dispose: whoever keeps the body beyond the
/// request (mirror copies) copies it.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    private RequestBody(byte[] buffer, int length) => (_buffer, _length) = (buffer, length);

    public ReadOnlyMemory<byte> Memory => _buffer is { } b ? b.AsMemory(0, _length) : throw new ObjectDisposedException(nameof(RequestBody));

    public static async Task<RequestBody?> ReadAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength is { } declared && declared > limit) return null;
        // The endpoint's own limit governs, not Kestrel's global default.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit + 1;

        var body = context.Request.Body;
        // The pool hands out a shared empty array for 0 bytes and refuses to take it back: an empty body is not pooled.
        if (context.Request.ContentLength == 0) return new RequestBody([], 0);
        if (context.Request.ContentLength is { } exact)
        {
            var buffer = ArrayPool<byte>.Shared.Rent((int)exact);
            try
            {
                await body.ReadExactlyAsync(buffer.AsMemory(0, (int)exact), context.RequestAborted);
                return new RequestBody(buffer, (int)exact);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        var chunked = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var filled = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunked.AsMemory(filled), context.RequestAborted)) > 0)
            {
                filled += read;
                if (filled > limit)
                {
                    ArrayPool<byte>.Shared.Return(chunked);
                    return null;
                }
                if (filled == chunked.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunked.Length * 2L, limit + 1));
                    chunked.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(chunked);
                    chunked = larger;
                }
            }
            return new RequestBody(chunked, filled);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(chunked);
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { Length: > 0 } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }
}

/// <summary>Replaces <c>model_name</c> in a KServe v2 JSON answer (the JSON part only when the binary extension is used).</summary>
public static class V2ModelNameRewriter
{
    public static byte[] Rewrite(byte[] body, int jsonLength, string modelName, out int newJsonLength)
    {
        newJsonLength = jsonLength;
        if (jsonLength <= 0 || jsonLength > body.Length) return body;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body.AsSpan(0, jsonLength));
        }
        catch (JsonException)
        {
            return body;
        }
        if (node is not JsonObject json || !json.ContainsKey("model_name")) return body;
        json["model_name"] = modelName;
        var header = JsonSerializer.SerializeToUtf8Bytes(json);
        newJsonLength = header.Length;
        var result = new byte[header.Length + body.Length - jsonLength];
        header.CopyTo(result, 0);
        body.AsSpan(jsonLength).CopyTo(result.AsSpan(header.Length));
        return result;
    }
}
