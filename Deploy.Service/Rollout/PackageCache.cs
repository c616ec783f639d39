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

    /// <summary>The runtime a scoring-script package is keyed for: the node's Python worker protocol.</summary>
    public const string ScriptRuntime = "python-worker/1";

    /// <summary>
    /// The image of a scoring-script deployment (Azure ML's image: environment + code + model): model/ and code/
    /// folders keyed by the environment's content hash, the code's and the model's files, the entry script and the
    /// worker runtime. The environment itself is built once per hash by the registry and referenced, not copied.
    /// </summary>
    public async Task<PackageResult> GetOrBuildScriptAsync(ModelVersion model, ModelVersion code, EnvironmentVersion environment,
        string entryScript, bool forceRebuild, RegistryClient registry, CancellationToken cancellationToken)
    {
        var lines = new List<string>
        {
            $"runtime={ScriptRuntime}",
            $"environment.hash={environment.Hash}",
            $"environment.python={environment.Python}",
            $"entryScript={entryScript}",
        };
        lines.AddRange(code.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => $"code={f.Path} sha256={f.Sha256.ToLowerInvariant()}"));
        lines.AddRange(model.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => $"file={f.Path} sha256={f.Sha256.ToLowerInvariant()}"));
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines))));
        var target = Path.Combine(WorkspaceRoot, key);
        Directory.CreateDirectory(WorkspaceRoot);
        PackageResult Result(string source) => new(key, source, target, Path.Combine(target, "model"), lines);

        if (!forceRebuild && IsComplete(target)) return Result("workspace");
        var build = Stage(target);
        try
        {
            await FillAsync(model, Path.Combine(build, "model"), registry, cancellationToken);
            await FillAsync(code, Path.Combine(build, "code"), registry, cancellationToken);
            if (!File.Exists(Path.Combine(build, "code", entryScript)))
                throw new InvalidDataException($"The code folder {code.Id} has no entry script '{entryScript}' (it has {string.Join(", ", code.Files.Select(f => f.Path))}).");
            var manifest = new
            {
                key, model = model.Id, code = code.Id, environment = environment.Id, entryScript, hashInputs = lines, builtAt = DateTimeOffset.UtcNow,
            };
            await File.WriteAllTextAsync(Path.Combine(build, ManifestFile), JsonSerializer.Serialize(manifest, Json), cancellationToken);
            Publish(build, target, replace: forceRebuild);
        }
        catch
        {
            TryDelete(build);
            throw;
        }
        return Result("built");
    }

    private async Task FillAsync(ModelVersion version, string folder, RegistryClient registry, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        if (version.Files.All(f => !string.IsNullOrEmpty(f.StoragePath) && File.Exists(f.StoragePath)))
        {
            // Copies, not links: a script may write beside its files, and must never write into the registry's blobs.
            foreach (var file in version.Files)
            {
                var destination = SafeCombine(folder, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file.StoragePath, destination, overwrite: true);
            }
        }
        else
        {
            await registry.DownloadModelAsync(version.Name, version.Version.ToString(), folder, cancellationToken);
        }
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
