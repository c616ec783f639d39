using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Client;

/// <summary>The one place requests are sent and answers checked: any non-success status becomes a typed exception.</summary>
internal sealed class ApiConnection(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public HttpClient Http { get; } = http;

    public static string Segment(string value) => Uri.EscapeDataString(value);

    public async Task<T> GetAsync<T>(string path, CancellationToken ct) =>
        await SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public async Task<T> PutAsync<T>(string path, object body, CancellationToken ct) =>
        await SendAsync<T>(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, body.GetType(), options: Json) }, ct);

    public async Task<T> PostAsync<T>(string path, object? body, CancellationToken ct) =>
        await SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json),
        }, ct);

    public async Task DeleteAsync(string path, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Delete, path), ct);
    }

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendRawAsync(request, ct);
        var value = await response.Content.ReadFromJsonAsync<T>(Json, ct);
        return value ?? throw new PlatformApiException(
            new PlatformProblem((int)response.StatusCode, "Empty answer", "The platform answered without a body.", null, new Dictionary<string, string[]>(), ""),
            Describe(request));
    }

    /// <summary>Sends and returns the successful response (the caller disposes it); throws the typed error otherwise.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await Http.SendAsync(request, completion, ct);
            }
            catch (HttpRequestException ex)
            {
                throw new PlatformConnectionException(Http.BaseAddress, Describe(request), ex);
            }
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                throw PlatformApiException.From(PlatformProblem.Parse((int)response.StatusCode, body), Describe(request));
            }
        }
    }

    public static void SetBearer(HttpRequestMessage request, string? credential)
    {
        if (!string.IsNullOrEmpty(credential)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
    }

    private static string Describe(HttpRequestMessage request) => $"{request.Method} {request.RequestUri}";
}

/// <summary>The platform could not be reached at all (not running, wrong address): no answer to read.</summary>
public sealed class PlatformConnectionException(Uri? address, string operation, Exception inner)
    : Exception($"{operation}: cannot reach the platform at {address}: {inner.Message}", inner)
{
    public Uri? Address { get; } = address;
}
