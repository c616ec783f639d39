using System.Text.Json;

namespace Platform.Client;

/// <summary>A registered model version (API.md's Models section).</summary>
public sealed record ModelVersion(
    string Name,
    int Version,
    string Id,
    string Framework,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<ModelFile> Files,
    DateTimeOffset CreatedAt,
    string? ModelFile = null,
    JsonElement? Onnx = null,
    IReadOnlyList<string>? UsedBy = null);

public sealed record ModelFile(string Path, long Size, string Sha256);

/// <summary>
/// A model to register: <see cref="Paths"/> are files, or one folder whose files are uploaded with their relative paths.
/// </summary>
public sealed record RegisterModelRequest(string Name, IReadOnlyList<string> Paths)
{
    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary><c>onnx</c> (the default) or <c>custom</c>, …</summary>
    public string? Framework { get; init; }
}

/// <summary>Bytes sent so far of the whole upload.</summary>
public readonly record struct UploadProgress(long BytesSent, long TotalBytes, string CurrentFile)
{
    public double Fraction => TotalBytes == 0 ? 1 : (double)BytesSent / TotalBytes;
}
