using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Deploy.Service.Kubernetes;

/// <summary>Where and as whom to talk to a cluster. The token is secret: <see cref="ToString"/> leaves it out.</summary>
public sealed record ClusterConnection(Uri ApiServer, string Namespace, string Token)
{
    public override string ToString() => $"{ApiServer} namespace {Namespace}";
}

/// <summary>An API server refused a call; <see cref="Exception.Message"/> carries its Status message.</summary>
public sealed class KubernetesApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>What the rollout needs of a Deployment's status (<see cref="PodReplicas"/>: status.replicas, pods of any template).</summary>
public sealed record DeploymentStatus(long Generation, long ObservedGeneration, int Replicas, int ReadyReplicas, int UpdatedReplicas, string? Condition, int PodReplicas = 0)
{
    /// <summary>
    /// As <c>kubectl rollout status</c>: the controller has seen the applied spec, enough pods run the new template, no
    /// pod of an old template is left, and enough are ready. Until the old pods are gone, readyReplicas still counts
    /// them, so a new pod that never becomes ready must not pass for a ready generation.
    /// </summary>
    public bool IsReady(int wanted) =>
        ObservedGeneration >= Generation && UpdatedReplicas >= wanted && PodReplicas <= UpdatedReplicas && ReadyReplicas >= wanted;
}

/// <summary>
/// The Kubernetes REST API over plain HttpClient and System.Text.Json (no client library can be had here):
/// server-side apply (<c>PATCH</c>, <c>application/apply-patch+yaml</c> — JSON is YAML — with our field manager and
/// <c>force=true</c>), GET and DELETE, with the connection's bearer token. Errors become
/// <see cref="KubernetesApiException"/> with the API server's Status message.
/// </summary>
public sealed class KubernetesApiClient(HttpClient http)
{
    public const string HttpClientName = "kubernetes-api";
    public const string FieldManager = "platform-deploy";
    public const string ApplyPatchContentType = "application/apply-patch+yaml";

    /// <summary>Creates or updates the object at <paramref name="path"/>; returns the object as the server stored it.</summary>
    public async Task<JsonObject> ApplyAsync(ClusterConnection connection, string path, JsonObject body, CancellationToken ct)
    {
        using var request = Request(connection, HttpMethod.Patch, $"{path}?fieldManager={FieldManager}&force=true");
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(ApplyPatchContentType);
        request.Content = content;
        return await SendAsync(request, ct) ?? throw new KubernetesApiException(HttpStatusCode.NoContent, $"PATCH {path} answered without a body");
    }

    /// <summary>The object at <paramref name="path"/>, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(ClusterConnection connection, string path, CancellationToken ct)
    {
        using var request = Request(connection, HttpMethod.Get, path);
        return await SendAsync(request, ct, notFoundIsNull: true);
    }

    /// <returns>false when the object did not exist.</returns>
    public async Task<bool> DeleteAsync(ClusterConnection connection, string path, CancellationToken ct)
    {
        using var request = Request(connection, HttpMethod.Delete, $"{path}?propagationPolicy=Foreground");
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(request, response, ct);
        return true;
    }

    public async Task<DeploymentStatus?> GetDeploymentStatusAsync(ClusterConnection connection, string name, CancellationToken ct)
    {
        var deployment = await GetAsync(connection, KubernetesManifests.DeploymentPath(connection.Namespace, name), ct);
        if (deployment is null) return null;
        var status = deployment["status"] as JsonObject;
        // The newest condition that says something (e.g. ProgressDeadlineExceeded, or a ReplicaFailure's message).
        var condition = (status?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Where(c => (string?)c["status"] != "True" || (string?)c["reason"] == "ProgressDeadlineExceeded")
            .Select(c => $"{(string?)c["type"]}: {(string?)c["reason"]} {(string?)c["message"]}".Trim())
            .LastOrDefault();
        return new DeploymentStatus(
            Long(deployment["metadata"]?["generation"]), Long(status?["observedGeneration"]),
            (int)Long(deployment["spec"]?["replicas"]), (int)Long(status?["readyReplicas"]), (int)Long(status?["updatedReplicas"]), condition,
            (int)Long(status?["replicas"]));
    }

    private static HttpRequestMessage Request(ClusterConnection connection, HttpMethod method, string pathAndQuery)
    {
        var request = new HttpRequestMessage(method, new Uri(connection.ApiServer.ToString().TrimEnd('/') + pathAndQuery));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private async Task<JsonObject?> SendAsync(HttpRequestMessage request, CancellationToken ct, bool notFoundIsNull = false)
    {
        using var response = await http.SendAsync(request, ct);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(request, response, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length == 0) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            throw new KubernetesApiException(response.StatusCode, $"{request.Method} {request.RequestUri!.AbsolutePath} answered with something that is not JSON");
        }
    }

    /// <summary>The API server's Status message (<c>{"kind":"Status","message":…}</c>) when it sent one, else the HTTP status.</summary>
    private static async Task<KubernetesApiException> ErrorAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        string? message = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject status) message = (string?)status["message"];
        }
        catch (JsonException)
        {
            // Not a Status object (a proxy in front of the API server, say): the HTTP status says enough.
        }
        var what = $"{request.Method} {request.RequestUri!.AbsolutePath} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        return new KubernetesApiException(response.StatusCode, string.IsNullOrWhiteSpace(message) ? what : $"{what}: {message}");
    }

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
}
