using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Service.Blobs;
using Registry.Service.Infrastructure;
using Registry.Service.Models;

namespace Registry.Service.Environments;

/// <summary>The outcome of a registration: the version, or the field errors, or a full build queue.</summary>
public abstract record EnvironmentRegistration
{
    public sealed record Registered(EnvironmentVersion Version, EnvironmentBuild Build) : EnvironmentRegistration;
    public sealed record Invalid : EnvironmentRegistration;
    public sealed record QueueFull(int Limit) : EnvironmentRegistration;
}

/// <summary>
/// Registers an environment version: one spec file (requirements.txt or a conda environment.yml) and any private
/// wheels, checked, numbered per name, stored as blobs; its build (one per content hash) is queued unless that hash
/// has one already (a failed one is queued again: the operator may have added the missing wheel since).
/// </summary>
public sealed partial class EnvironmentRegistrar(
    RegistryDbContext db, BlobStore blobs, PythonInterpreters pythons, EnvironmentBuildQueue queue,
    IOptions<EnvironmentOptions> options, ILogger<EnvironmentRegistrar> logger)
{
    public static readonly IReadOnlyList<string> TextFields = ["name", "description"];
    private const int MaxSpecBytes = 256 * 1024;

    public async Task<EnvironmentRegistration> RegisterAsync(ModelUpload upload, CancellationToken cancellationToken)
    {
        var spec = await ValidateAsync(upload, cancellationToken);
        if (spec is null || !upload.IsValid) return new EnvironmentRegistration.Invalid();
        var (_, pythonVersion, pythonError) = pythons.Resolve(spec.Value.Spec.Python);
        if (pythonError is not null)
        {
            upload.AddError(ModelRegistrar.FileField, pythonError);
            return new EnvironmentRegistration.Invalid();
        }

        var wheels = upload.Files.Where(f => f.Path != spec.Value.Path).Select(f => (f.Path, f.Blob.Sha256)).ToList();
        var hash = spec.Value.Spec.Hash(pythonVersion!, wheels);
        var name = upload.Name!;
        var limit = options.Value.MaxQueuedBuilds;

        var result = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = DateTimeOffset.UtcNow;
            var build = await db.EnvironmentBuilds.FromSql($"SELECT * FROM environment_builds WHERE hash = {hash} FOR UPDATE").SingleOrDefaultAsync(ct);
            var needsBuild = build is null || build.State == BuildState.Failed;
            if (needsBuild && await db.EnvironmentBuilds.CountAsync(b => b.State == BuildState.Queued, ct) >= limit)
                return (EnvironmentRegistration)new EnvironmentRegistration.QueueFull(limit);

            var numbers = await db.Database.SqlQuery<int>($"""
                INSERT INTO environments (name, last_version, created_at) VALUES ({name}, 1, {now})
                ON CONFLICT (name) DO UPDATE SET last_version = environments.last_version + 1
                RETURNING last_version AS "Value"
                """).ToListAsync(ct);
            var number = numbers.Single();

            if (build is null)
            {
                build = new EnvironmentBuild { Hash = hash, State = BuildState.Queued, SourceName = name, SourceVersion = number, QueuedAt = now };
                db.EnvironmentBuilds.Add(build);
            }
            else if (build.State == BuildState.Failed)
            {
                build.State = BuildState.Queued;
                build.SourceName = name;
                build.SourceVersion = number;
                build.QueuedAt = now;
                build.StartedAt = build.FinishedAt = null;
                build.Error = null;
                build.Log = "";
            }
            await db.SaveChangesAsync(ct);

            var version = new EnvironmentVersion
            {
                Name = name,
                Version = number,
                Description = upload.Description ?? "",
                Kind = spec.Value.Spec.Kind,
                SpecFile = spec.Value.Path,
                Python = pythonVersion!,
                Hash = hash,
                CreatedAt = now,
                Files = upload.Files.Select(f => new EnvironmentFile
                {
                    Name = name, Version = number, Path = f.Path, Size = f.Blob.Size, Sha256 = f.Blob.Sha256,
                }).ToList(),
            };
            db.EnvironmentVersions.Add(version);
            await db.SaveChangesAsync(ct);
            foreach (var file in upload.Files) blobs.Commit(file.Blob);
            await transaction.CommitAsync(ct);
            return new EnvironmentRegistration.Registered(version, build);
        }, cancellationToken);

        if (result is EnvironmentRegistration.Registered registered)
        {
            queue.Signal();
            logger.LogInformation("Registered environment {Environment} (hash {Hash}, build {State})",
                registered.Version.Id, hash[..12], registered.Build.State);
        }
        return result;
    }

    private async Task<(string Path, EnvironmentSpec Spec)?> ValidateAsync(ModelUpload upload, CancellationToken cancellationToken)
    {
        if (ModelRules.CheckName(upload.Name) is { } nameError) upload.AddError("name", nameError);
        if (ModelRules.CheckDescription(upload.Description) is { } descriptionError) upload.AddError("description", descriptionError);

        const string field = ModelRegistrar.FileField;
        var specs = upload.Files.Where(f => EnvironmentSpec.KindOf(f.Path) is not null).ToList();
        if (specs.Count != 1)
            upload.AddError(field, specs.Count == 0
                ? "An environment needs one spec file: a pip 'requirements.txt' or a conda 'environment.yml'."
                : $"An environment takes one spec file; these are several: {string.Join(", ", specs.Select(s => s.Path))}.");
        foreach (var file in upload.Files.Where(f => EnvironmentSpec.KindOf(f.Path) is null))
        {
            if (!WheelName().IsMatch(file.Path))
                upload.AddError(field, $"'{file.Path}' is neither a spec file nor a wheel: further files must be wheels named as PEP 427 says (name-version-python-abi-platform.whl, no folders).");
        }
        foreach (var duplicate in upload.Files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1))
            upload.AddError(field, $"The file path '{duplicate.Key}' appears more than once.");
        if (specs.Count != 1) return null;

        var specFile = specs[0];
        if (specFile.Blob.Size > MaxSpecBytes)
        {
            upload.AddError(field, $"The spec file '{specFile.Path}' is larger than {MaxSpecBytes} bytes.");
            return null;
        }
        var text = await File.ReadAllTextAsync(specFile.Blob.TempPath, Encoding.UTF8, cancellationToken);
        var (spec, errors) = EnvironmentSpec.Parse(EnvironmentSpec.KindOf(specFile.Path)!, text);
        foreach (var error in errors) upload.AddError(field, $"{specFile.Path}: {error}");
        return spec is null ? null : (specFile.Path, spec);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.]+-[A-Za-z0-9_.!+]+(-[0-9][A-Za-z0-9_.]*)?-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl$")]
    private static partial Regex WheelName();
}
