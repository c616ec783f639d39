using Registry.Service.Blobs;

namespace Registry.Service.Models;

/// <summary>
/// A registration as read from the request: its fields, its files already staged on disk, and every problem found
/// (field → messages). Disposing it deletes staged files that were not committed.
/// </summary>
public sealed class ModelUpload : IDisposable
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Framework { get; set; }
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    public List<UploadedFile> Files { get; } = [];
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    public bool IsValid => Errors.Count == 0;

    public void AddError(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var messages)) Errors[field] = messages = [];
        messages.Add(message);
    }

    public Dictionary<string, string[]> ErrorsAsArrays() => Errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void Dispose()
    {
        foreach (var file in Files) file.Blob.Dispose();
    }
}

public sealed record UploadedFile(string Path, StagedBlob Blob);
