using System.Text.Json;

namespace Platform.Client;

/// <summary><c>/api/v1/models</c>: register (files or a folder, with upload progress), list, show, update, delete, download.</summary>
public sealed class ModelsClient
{
    private readonly ApiConnection _api;

    internal ModelsClient(ApiConnection api) => _api = api;

    public async Task<ModelVersion> RegisterAsync(RegisterModelRequest request, IProgress<UploadProgress>? progress = null, CancellationToken ct = default)
    {
        var fields = new List<(string, string)> { ("name", request.Name) };
        if (request.Description is not null) fields.Add(("description", request.Description));
        if (request.Tags is { Count: > 0 }) fields.Add(("tags", JsonSerializer.Serialize(request.Tags)));
        if (request.Framework is not null) fields.Add(("framework", request.Framework));
        var form = UploadForm.Create(fields, UploadForm.Expand(request.Paths), progress);
        return await _api.SendAsync<ModelVersion>(new HttpRequestMessage(HttpMethod.Post, "/api/v1/models") { Content = form }, ct);
    }

    /// <summary>Every version, optionally of one name and carrying every tag given (<c>tag=k:v</c>).</summary>
    public Task<List<ModelVersion>> ListAsync(string? name = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (name is not null) query.Add("name=" + Uri.EscapeDataString(name));
        foreach (var (k, v) in tags ?? new Dictionary<string, string>()) query.Add("tag=" + Uri.EscapeDataString($"{k}:{v}"));
        return _api.GetAsync<List<ModelVersion>>("/api/v1/models" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), ct);
    }

    public Task<List<ModelVersion>> ListVersionsAsync(string name, CancellationToken ct = default) =>
        _api.GetAsync<List<ModelVersion>>($"/api/v1/models/{ApiConnection.Segment(name)}/versions", ct);

    /// <summary>A version by number, or <c>latest</c>.</summary>
    public Task<ModelVersion> GetAsync(string name, string version = "latest", CancellationToken ct = default) =>
        _api.GetAsync<ModelVersion>(VersionPath(name, version), ct);

    public Task<ModelVersion> UpdateAsync(string name, string version, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct = default) =>
        _api.SendAsync<ModelVersion>(new HttpRequestMessage(HttpMethod.Patch, VersionPath(name, version))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { description, tags }, options: ApiConnection.Json),
        }, ct);

    /// <summary>409 (<see cref="PlatformConflictException"/>) while a deployment uses it.</summary>
    public Task DeleteAsync(string name, string version, CancellationToken ct = default) => _api.DeleteAsync(VersionPath(name, version), ct);

    /// <summary>Copies one file of a version into <paramref name="destination"/>.</summary>
    public async Task DownloadFileAsync(string name, string version, string path, Stream destination, CancellationToken ct = default)
    {
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        using var response = await _api.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, $"{VersionPath(name, version)}/files/{escaped}"), ct,
            HttpCompletionOption.ResponseHeadersRead);
        await response.Content.CopyToAsync(destination, ct);
    }

    private static string VersionPath(string name, string version) =>
        $"/api/v1/models/{ApiConnection.Segment(name)}/versions/{ApiConnection.Segment(version)}";
}
