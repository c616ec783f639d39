using System.Text.Json;

namespace Platform.Client;

/// <summary><c>/api/v1/endpoints</c>: the endpoints themselves, their traffic and mirror splits, keys and tokens.</summary>
public sealed class EndpointsClient
{
    private readonly ApiConnection _api;

    internal EndpointsClient(ApiConnection api) => _api = api;

    public Task<Endpoint> CreateOrUpdateAsync(string name, EndpointSpec spec, CancellationToken ct = default) =>
        _api.PutAsync<Endpoint>(Path(name), spec, ct);

    public Task<List<Endpoint>> ListAsync(CancellationToken ct = default) => _api.GetAsync<List<Endpoint>>("/api/v1/endpoints", ct);

    public Task<Endpoint> GetAsync(string name, CancellationToken ct = default) => _api.GetAsync<Endpoint>(Path(name), ct);

    /// <summary>Deletes the endpoint with its deployments.</summary>
    public Task DeleteAsync(string name, CancellationToken ct = default) => _api.DeleteAsync(Path(name), ct);

    /// <summary>Live traffic: percentages per deployment (sum ≤ 100; the rest goes to the default deployment).</summary>
    public Task<Endpoint> SetTrafficAsync(string name, IReadOnlyDictionary<string, int> traffic, CancellationToken ct = default) =>
        _api.PutAsync<Endpoint>(Path(name) + "/traffic", traffic, ct);

    /// <summary>Mirrored (shadow) traffic: ≤ 50 % to a deployment with no live traffic.</summary>
    public Task<Endpoint> SetMirrorAsync(string name, IReadOnlyDictionary<string, int> mirror, CancellationToken ct = default) =>
        _api.PutAsync<Endpoint>(Path(name) + "/mirror", mirror, ct);

    /// <summary>How the mirrored requests fared, per deployment (the gateway's counters).</summary>
    public Task<JsonElement> GetMirrorStatisticsAsync(string name, CancellationToken ct = default) =>
        _api.GetAsync<JsonElement>(Path(name) + "/mirror/stats", ct);

    public Task<EndpointKeys> GetKeysAsync(string name, CancellationToken ct = default) => _api.GetAsync<EndpointKeys>(Path(name) + "/keys", ct);

    /// <summary>Replaces the <c>primary</c> or <c>secondary</c> key; the other keeps working.</summary>
    public Task<EndpointKeys> RegenerateKeyAsync(string name, string keyType, CancellationToken ct = default) =>
        _api.PostAsync<EndpointKeys>(Path(name) + "/keys/regenerate", new { keyType }, ct);

    /// <summary>A bearer token for an endpoint whose auth mode is <c>token</c>.</summary>
    public Task<EndpointToken> GetTokenAsync(string name, CancellationToken ct = default) =>
        _api.PostAsync<EndpointToken>(Path(name) + "/token", new { }, ct);

    private static string Path(string name) => $"/api/v1/endpoints/{ApiConnection.Segment(name)}";
}
