using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Client;

/// <summary>An answer of <c>/score</c>: the body, and which deployment answered (<c>azureml-model-deployment</c>).</summary>
public sealed record ScoreResult(JsonNode? Body, string RawBody, string? AnsweredBy);

/// <summary>The data plane: <c>POST /endpoints/{name}/score</c>, the endpoint's health and its swagger document.</summary>
public sealed class ScoringClient
{
    public const string DeploymentHeader = "azureml-model-deployment";

    private readonly ApiConnection _api;

    internal ScoringClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Scores <paramref name="request"/> (a JSON body as Azure ML takes it, e.g. <c>{"data": [[…]]}</c>) with the endpoint's
    /// key or token (<c>null</c> for auth mode <c>none</c>), pinned to <paramref name="deployment"/> when given.
    /// </summary>
    public async Task<ScoreResult> ScoreJsonAsync(string endpoint, string request, string? credential, string? deployment = null, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{ApiConnection.Segment(endpoint)}/score")
        {
            Content = new StringContent(request, Encoding.UTF8, "application/json"),
        };
        ApiConnection.SetBearer(message, credential);
        if (deployment is not null) message.Headers.Add(DeploymentHeader, deployment);
        using var response = await _api.SendRawAsync(message, ct);
        var raw = await response.Content.ReadAsStringAsync(ct);
        JsonNode? body;
        try
        {
            body = raw.Length == 0 ? null : JsonNode.Parse(raw);
        }
        catch (JsonException)
        {
            body = null; // a scoring script may answer raw text
        }
        var answeredBy = response.Headers.TryGetValues(DeploymentHeader, out var values) ? values.FirstOrDefault() : null;
        return new ScoreResult(body, raw, answeredBy);
    }

    /// <summary>Scores <c>{"data": data}</c>: a nested array shaped like the model's one input, or an object by input name.</summary>
    public Task<ScoreResult> ScoreAsync(string endpoint, object data, string? credential, string? deployment = null, CancellationToken ct = default) =>
        ScoreJsonAsync(endpoint, JsonSerializer.Serialize(new { data }, ApiConnection.Json), credential, deployment, ct);

    /// <summary><c>GET /endpoints/{name}</c> with the endpoint's key or token: true when at least one deployment is Healthy (200), false on 503.</summary>
    public async Task<bool> IsHealthyAsync(string endpoint, string? credential, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, $"/endpoints/{ApiConnection.Segment(endpoint)}");
        ApiConnection.SetBearer(message, credential);
        try
        {
            using var _ = await _api.SendRawAsync(message, ct);
            return true;
        }
        catch (PlatformUnavailableException)
        {
            return false;
        }
    }

    /// <summary>The endpoint's OpenAPI document, schemas from the model's inputs and outputs.</summary>
    public async Task<JsonDocument> GetSwaggerAsync(string endpoint, string? credential = null, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, $"/endpoints/{ApiConnection.Segment(endpoint)}/swagger.json");
        ApiConnection.SetBearer(message, credential);
        using var response = await _api.SendRawAsync(message, ct);
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
    }
}

/// <summary>A KServe v2 tensor with its values flattened in row-major order.</summary>
public sealed record InferTensor(string Name, string Datatype, IReadOnlyList<long> Shape, IReadOnlyList<double> Data)
{
    public static InferTensor Fp32(string name, double[][] rows) =>
        new(name, "FP32", [rows.Length, rows.Length == 0 ? 0 : rows[0].Length], rows.SelectMany(r => r).ToArray());
}

public sealed record InferResult(string ModelName, string? ModelVersion, string? Id, IReadOnlyList<InferTensor> Outputs, string? AnsweredBy);

/// <summary>KServe v2 / Open Inference Protocol over REST (<c>/v2/…</c>), JSON tensors.</summary>
public sealed class KServeRestClient
{
    private readonly ApiConnection _api;

    internal KServeRestClient(ApiConnection api) => _api = api;

    public Task<bool> IsLiveAsync(CancellationToken ct = default) => OkAsync("/v2/health/live", null, ct);

    public Task<bool> IsReadyAsync(CancellationToken ct = default) => OkAsync("/v2/health/ready", null, ct);

    public Task<bool> IsModelReadyAsync(string endpoint, string? credential, CancellationToken ct = default) =>
        OkAsync($"/v2/models/{ApiConnection.Segment(endpoint)}/ready", credential, ct);

    public async Task<JsonElement> GetModelMetadataAsync(string endpoint, string? credential, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, $"/v2/models/{ApiConnection.Segment(endpoint)}");
        ApiConnection.SetBearer(message, credential);
        return await _api.SendAsync<JsonElement>(message, ct);
    }

    public async Task<InferResult> InferAsync(string endpoint, IReadOnlyList<InferTensor> inputs, string? credential, string? deployment = null,
        CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{ApiConnection.Segment(endpoint)}/infer")
        {
            Content = JsonContent.Create(new
            {
                inputs = inputs.Select(i => new { name = i.Name, datatype = i.Datatype, shape = i.Shape, data = i.Data }),
            }, options: ApiConnection.Json),
        };
        ApiConnection.SetBearer(message, credential);
        if (deployment is not null) message.Headers.Add(ScoringClient.DeploymentHeader, deployment);
        using var response = await _api.SendRawAsync(message, ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var outputs = json.GetProperty("outputs").EnumerateArray().Select(o => new InferTensor(
            o.GetProperty("name").GetString()!,
            o.GetProperty("datatype").GetString()!,
            o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
            o.GetProperty("data").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.True ? 1 : v.ValueKind == JsonValueKind.False ? 0 : v.GetDouble()).ToArray()))
            .ToList();
        return new InferResult(
            json.TryGetProperty("model_name", out var n) ? n.GetString() ?? endpoint : endpoint,
            json.TryGetProperty("model_version", out var v) ? v.GetString() : null,
            json.TryGetProperty("id", out var id) ? id.GetString() : null,
            outputs,
            response.Headers.TryGetValues(ScoringClient.DeploymentHeader, out var by) ? by.FirstOrDefault() : null);
    }

    private async Task<bool> OkAsync(string path, string? credential, CancellationToken ct)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, path);
        ApiConnection.SetBearer(message, credential);
        try
        {
            using var _ = await _api.SendRawAsync(message, ct);
            return true;
        }
        catch (PlatformApiException ex) when (ex.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
