using System.Text.Json;

namespace Platform.Client;

/// <summary>A registered environment version and its build (API.md: environments, as Azure ML's inference config names them).</summary>
public sealed record EnvironmentVersion(string Name, int Version, string Id)
{
    /// <summary>Every field the platform answered, build state and log included, as it sent them.</summary>
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, JsonElement>? Details { get; init; }

    public string? State => Details?.TryGetValue("state", out var s) == true && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
}

/// <summary>
/// An environment to create: a pip <c>requirements.txt</c> or a conda <c>environment.yml</c>, plus optional private wheels
/// (Azure ML's <c>add_private_pip_wheel</c>).
/// </summary>
public sealed record CreateEnvironmentRequest(string Name, string SpecificationFile)
{
    public IReadOnlyList<string> Wheels { get; init; } = [];

    public string? Description { get; init; }
}

/// <summary><c>/api/v1/environments</c>.</summary>
public sealed class EnvironmentsClient
{
    private readonly ApiConnection _api;

    internal EnvironmentsClient(ApiConnection api) => _api = api;

    public async Task<EnvironmentVersion> CreateAsync(CreateEnvironmentRequest request, IProgress<UploadProgress>? progress = null, CancellationToken ct = default)
    {
        var fields = new List<(string, string)> { ("name", request.Name) };
        if (request.Description is not null) fields.Add(("description", request.Description));
        var form = UploadForm.Create(fields, UploadForm.Expand([request.SpecificationFile, .. request.Wheels]), progress);
        return await _api.SendAsync<EnvironmentVersion>(new HttpRequestMessage(HttpMethod.Post, "/api/v1/environments") { Content = form }, ct);
    }

    public Task<EnvironmentVersion> GetAsync(string name, string version = "latest", CancellationToken ct = default) =>
        _api.GetAsync<EnvironmentVersion>($"/api/v1/environments/{ApiConnection.Segment(name)}/versions/{ApiConnection.Segment(version)}", ct);

    public Task<List<EnvironmentVersion>> ListVersionsAsync(string name, CancellationToken ct = default) =>
        _api.GetAsync<List<EnvironmentVersion>>($"/api/v1/environments/{ApiConnection.Segment(name)}/versions", ct);
}
