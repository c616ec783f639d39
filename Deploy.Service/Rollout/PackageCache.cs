using System.Runtime.InteropServices;
using System.Text.Json;
using Contracts.Clients;
using Contracts.Registry.V1;
using Deploy.Service.Domain;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Rollout;

/// <summary>Where a package came from: "workspace" (cache hit), "shared" (hit in a shared cache, linked in) or "built" (miss).</summary>
public sealed record PackageResult(string Key, string Source, string Directory, string ModelPath, IReadOnlyList<string> HashInputs);

/// <summary>
/// Packages after Azure ML's image cache: a folder {DataRoot}/packages/{key}/ holding the model's files and a
/// manifest.json, where the key hashes everything that shapes the package (<see cref="PackageKeyInputs"/>).
/// Looked up in the workspace cache, then in the shared caches; built only on a miss (or when forced).
/// Files are hard-linked from the registry's content-addressed blobs when they are on this disk (no copy), else copied
/// or downloaded from the registry with their sha256 checked.
/// </summary>
public sealed class PackageCache(IOptions<DeployOptions> options, ILogger<PackageCache> logger)
{
    public const string ManifestFile = "manifest.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private string WorkspaceRoot => Path.Combine(options.Value.DataRoot, "packages");

    public PackageKeyInputs KeyInputs(ModelVersion model, int maxBatchSize, long maxQueueDelayMicroseconds, int gpus) => new(
        model.Files.Select(f => new PackageFileDigest(f.Path, f.Sha256)).ToList(),
        options.Value.RuntimeVersion, maxBatchSize, maxQueueDelayMicroseconds, PackageKeyInputs.ProviderFor(gpus));

    public async Task<PackageResult> GetOrBuildAsync(ModelVersion model, PackageKeyInputs inputs, bool forceRebuild, RegistryClient registry, CancellationToken cancellationToken)
    {
        var key = inputs.ComputeKey();
        var lines = inputs.CanonicalLines();
        var target = Path.Combine(WorkspaceRoot, key);
        Directory.CreateDirectory(WorkspaceRoot);

        if (!forceRebuild && IsComplete(target))
            return new PackageResult(key, "workspace", target, Path.Combine(target, model.ModelFile), lines);

        if (!forceRebuild)
        {
            foreach (var shared in options.Value.SharedPackageCaches)
            {
                var candidate = Path.Combine(shared, key);
                if (!IsComplete(candidate)) continue;
                var staged = Stage(target);
                foreach (var file in Directory.EnumerateFiles(candidate, "*", SearchOption.AllDirectories))
                    LinkOrCopy(file, Path.Combine(staged, Path.GetRelativePath(candidate, file)));
                Publish(staged, target, replace: false);
                return new PackageResult(key, "shared", target, Path.Combine(target, model.ModelFile), lines);
            }
        }

        var build = Stage(target);
        try
        {
            var local = model.Files.All(f => !string.IsNullOrEmpty(f.StoragePath) && File.Exists(f.StoragePath));
            if (local)
            {
                foreach (var file in model.Files) LinkOrCopy(file.StoragePath, SafeCombine(build, file.Path));
            }
            else
            {
                // The registry's blobs are not on this disk: fetch them (sha256-checked by the client).
                await registry.DownloadModelAsync(model.Name, model.Version.ToString(), build, cancellationToken);
            }
            var manifest = new
            {
                key,
                model = model.Id,
                modelFile = model.ModelFile,
                hashInputs = lines,
                files = model.Files.Select(f => new { f.Path, f.Size, f.Sha256 }),
                builtAt = DateTimeOffset.UtcNow,
            };
            await File.WriteAllTextAsync(Path.Combine(build, ManifestFile), JsonSerializer.Serialize(manifest, Json), cancellationToken);
            Publish(build, target, replace: forceRebuild);
        }
        catch
        {
            TryDelete(build);
            throw;
        }
        return new PackageResult(key, "built", target, Path.Combine(target, model.ModelFile), lines);
    }

    private static bool IsComplete(string directory) => File.Exists(Path.Combine(directory, ManifestFile));

    private static string Stage(string target)
    {
        var staged = $"{target}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staged);
        return staged;
    }

    /// <summary>
    /// Moves a finished folder into place in one rename, so a half-built package is never seen. A rebuild moves the old
    /// one aside first (nodes that loaded from it keep their open files); a concurrent build of the same key just loses.
    /// </summary>
    private void Publish(string staged, string target, bool replace)
    {
        if (replace && Directory.Exists(target))
        {
            var old = $"{target}.old-{Guid.NewGuid():N}";
            Directory.Move(target, old);
            TryDelete(old);
        }
        try
        {
            Directory.Move(staged, target);
        }
        catch (IOException) when (IsComplete(target))
        {
            TryDelete(staged);
        }
    }

    private static string SafeCombine(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidDataException($"The model file path '{relative}' leaves the package folder.");
        return full;
    }

    private void LinkOrCopy(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (OperatingSystem.IsLinux() && Link(source, destination) == 0) return;
        logger.LogDebug("Hard link {Source} → {Destination} not possible (errno {Errno}); copying", source, destination, Marshal.GetLastPInvokeError());
        File.Copy(source, destination, overwrite: true);
    }

    private void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { logger.LogWarning(ex, "Could not delete {Directory}", directory); }
    }

    // Hard links cost no space and no time; .NET has no managed API for them.
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string oldPath, string newPath);
}
