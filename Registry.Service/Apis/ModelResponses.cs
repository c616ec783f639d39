using System.Text.Json;
using Registry.Service.Models;
using Registry.Service.Onnx;

namespace Registry.Service.Apis;

/// <summary>A version as the REST API returns it (API.md's Models section, plus the ONNX signature and its users).</summary>
public sealed record ModelVersionResponse(
    string Name,
    int Version,
    string Id,
    string Framework,
    string Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<ModelFileResponse> Files,
    DateTimeOffset CreatedAt,
    string? ModelFile,
    OnnxModelInfo? Onnx,
    IReadOnlyList<string> UsedBy)
{
    public static ModelVersionResponse From(ModelVersion version) => new(
        version.Name,
        version.Version,
        version.Id,
        version.Framework,
        version.Description,
        version.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => t.Value),
        version.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => new ModelFileResponse(f.Path, f.Size, f.Sha256)).ToList(),
        version.CreatedAt,
        version.ModelFile,
        ReadOnnx(version),
        version.Uses.Select(u => u.User).Order(StringComparer.Ordinal).ToList());

    public static OnnxModelInfo? ReadOnnx(ModelVersion version) =>
        version.OnnxJson is null ? null : JsonSerializer.Deserialize<OnnxModelInfo>(version.OnnxJson);
}

public sealed record ModelFileResponse(string Path, long Size, string Sha256);
