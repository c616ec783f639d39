using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Compute.Service.Provisioning;

/// <summary>
/// Checks that a Kubernetes API server answers <c>GET /version</c> with the given bearer token. Its own HttpClient on
/// purpose: the shared resilience pipeline retries for up to 30 s, and an attach should fail fast with a clear reason.
/// </summary>
public sealed class ApiServerProbe(IOptions<ComputeOptions> options) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(options.Value.ApiServerTimeoutSeconds),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <returns>null when the server answered as a Kubernetes API server should; otherwise why not.</returns>
    public async Task<string?> CheckAsync(Uri apiServer, string token, CancellationToken ct)
    {
        var url = new Uri(apiServer.ToString().TrimEnd('/') + "/version");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(options.Value.ApiServerTimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, cts.Token);
            if (!response.IsSuccessStatusCode)
                return $"The API server at {apiServer} answered GET /version with {(int)response.StatusCode} {response.ReasonPhrase}" +
                       (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden ? ": the token was refused." : ".");
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("gitVersion", out _)
                ? null
                : $"The server at {apiServer} answered GET /version without a Kubernetes version (no gitVersion).";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"The API server at {apiServer} did not answer GET /version within {options.Value.ApiServerTimeoutSeconds} s.";
        }
        catch (HttpRequestException ex)
        {
            return $"The API server at {apiServer} could not be reached: {ex.Message}";
        }
        catch (JsonException)
        {
            return $"The server at {apiServer} answered GET /version with something that is not JSON.";
        }
    }

    public void Dispose() => _http.Dispose();
}
