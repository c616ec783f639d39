using Registry.Service.Environments;

namespace Registry.Service.Apis;

/// <summary>An environment version as the REST API returns it, with the build of its content hash.</summary>
public sealed record EnvironmentVersionResponse(
    string Name,
    int Version,
    string Id,
    string Description,
    string Kind,
    string Python,
    string Hash,
    string SpecFile,
    IReadOnlyList<ModelFileResponse> Files,
    DateTimeOffset CreatedAt,
    string BuildState,
    bool BuildReused,
    string? BuildError,
    string? PythonPath,
    DateTimeOffset? BuiltAt,
    string Log)
{
    public static EnvironmentVersionResponse From(EnvironmentVersion version, EnvironmentBuild build) => new(
        version.Name,
        version.Version,
        version.Id,
        version.Description,
        version.Kind,
        version.Python,
        version.Hash,
        version.SpecFile,
        version.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => new ModelFileResponse(f.Path, f.Size, f.Sha256)).ToList(),
        version.CreatedAt,
        build.State.ToString(),
        build.Reused,
        build.Error,
        build.PythonPath,
        build.FinishedAt,
        build.Log);
}
