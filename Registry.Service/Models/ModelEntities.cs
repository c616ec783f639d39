namespace Registry.Service.Models;

/// <summary>A model name; <see cref="LastVersion"/> is the per-name counter that numbers its versions.</summary>
public sealed class Model
{
    public required string Name { get; set; }
    public int LastVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ModelVersion
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Framework { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Path of the ONNX file whose signature <see cref="OnnxJson"/> holds; null for other frameworks.</summary>
    public string? ModelFile { get; set; }
    /// <summary><see cref="Onnx.OnnxModelInfo"/> as JSON (never queried, only returned).</summary>
    public string? OnnxJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<ModelFile> Files { get; set; } = [];
    public List<ModelTag> Tags { get; set; } = [];
    public List<ModelUse> Uses { get; set; } = [];

    public string Id => $"{Name}:{Version}";
}

public sealed class ModelFile
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Path { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
}

public sealed class ModelTag
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Key { get; set; }
    public required string Value { get; set; }
}

/// <summary>"<see cref="User"/> (a deployment) uses this version": while any exists, the version cannot be deleted.</summary>
public sealed class ModelUse
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string User { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
