namespace Registry.Service.Environments;

/// <summary>An environment (by name); <see cref="LastVersion"/> numbers its versions as models' counter does.</summary>
public sealed class EnvironmentEntry
{
    public required string Name { get; set; }
    public int LastVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One registered version: its spec file and wheels (as blobs) and the content hash its build is keyed by.</summary>
public sealed class EnvironmentVersion
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public string Description { get; set; } = "";
    /// <summary><see cref="EnvironmentSpec.Pip"/> or <see cref="EnvironmentSpec.Conda"/>.</summary>
    public required string Kind { get; set; }
    /// <summary>Path of the spec file among <see cref="Files"/>; the others are wheels.</summary>
    public required string SpecFile { get; set; }
    public required string Python { get; set; }
    public required string Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<EnvironmentFile> Files { get; set; } = [];

    public string Id => $"{Name}:{Version}";
}

public sealed class EnvironmentFile
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Path { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
}

/// <summary>
/// The build of one content hash, shared by every version with that hash: queued, building, then succeeded or
/// failed, with pip's log kept (its tail) and, for a failure, the reason in one line (naming the package).
/// </summary>
public sealed class EnvironmentBuild
{
    public required string Hash { get; set; }
    public BuildState State { get; set; }
    public string Log { get; set; } = "";
    public string? Error { get; set; }
    /// <summary>The interpreter of the virtual environment (…/venv/bin/python), set once it succeeded.</summary>
    public string? PythonPath { get; set; }
    /// <summary>Which version asked for the build first; what the builder reads the spec and wheels from.</summary>
    public required string SourceName { get; set; }
    public int SourceVersion { get; set; }
    public bool Reused { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public enum BuildState
{
    Queued,
    Building,
    Succeeded,
    Failed,
}
