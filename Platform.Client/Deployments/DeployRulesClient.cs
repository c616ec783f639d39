using System.Text.Json;

namespace Platform.Client;

/// <summary>The body of <c>PUT /api/v1/deploy-rules/{name}</c>: deploy every new version of a model when it is registered.</summary>
public sealed record DeployRuleSpec(string Model, string Endpoint, DeploymentSpec Deployment)
{
    public string? DeploymentName { get; init; }

    public int? TrafficPercentile { get; init; }
}

/// <summary><c>/api/v1/deploy-rules</c>; rules are returned as the platform shows them.</summary>
public sealed class DeployRulesClient
{
    private readonly ApiConnection _api;

    internal DeployRulesClient(ApiConnection api) => _api = api;

    public Task<JsonElement> CreateOrUpdateAsync(string name, DeployRuleSpec spec, CancellationToken ct = default) =>
        _api.PutAsync<JsonElement>(Path(name), spec, ct);

    public Task<JsonElement> GetAsync(string name, CancellationToken ct = default) => _api.GetAsync<JsonElement>(Path(name), ct);

    public Task<JsonElement> ListAsync(CancellationToken ct = default) => _api.GetAsync<JsonElement>("/api/v1/deploy-rules", ct);

    public Task DeleteAsync(string name, CancellationToken ct = default) => _api.DeleteAsync(Path(name), ct);

    private static string Path(string name) => $"/api/v1/deploy-rules/{ApiConnection.Segment(name)}";
}
