using System.Text.Json;
using Contracts.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Service.Blobs;
using Registry.Service.Infrastructure;
using Registry.Service.Onnx;
using ServiceDefaults.Messaging.Outbox;

namespace Registry.Service.Models;

/// <summary>Turns a read upload into a committed version: checks it, numbers it, stores its rows, blobs and event together.</summary>
public sealed class ModelRegistrar(
    RegistryDbContext db, BlobStore blobs, OutboxSignal outbox, IOptions<RegistryOptions> options, ILogger<ModelRegistrar> logger)
{
    public const string FileField = "file";

    /// <summary>Returns the new version, or null with <paramref name="upload"/>'s errors filled in.</summary>
    public async Task<ModelVersion?> RegisterAsync(ModelUpload upload, CancellationToken cancellationToken)
    {
        Validate(upload);
        var (modelFile, onnx) = upload.IsValid ? CheckOnnx(upload) : (null, null);
        if (!upload.IsValid) return null;

        var name = upload.Name!;
        var framework = (upload.Framework ?? ModelRules.DefaultFramework).ToLowerInvariant();
        var version = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = DateTimeOffset.UtcNow;
            // The per-name counter row is created or bumped under its row lock, which it keeps until commit: two
            // registrations of one name at the same moment queue here and get consecutive numbers; a rollback
            // gives the number back.
            var numbers = await db.Database.SqlQuery<int>($"""
                INSERT INTO models (name, last_version, created_at) VALUES ({name}, 1, {now})
                ON CONFLICT (name) DO UPDATE SET last_version = models.last_version + 1
                RETURNING last_version AS "Value"
                """).ToListAsync(ct);
            var number = numbers.Single();

            var entity = new ModelVersion
            {
                Name = name,
                Version = number,
                Framework = framework,
                Description = upload.Description ?? "",
                ModelFile = modelFile,
                OnnxJson = onnx is null ? null : JsonSerializer.Serialize(onnx),
                CreatedAt = now,
                Files = upload.Files.Select(f => new ModelFile
                {
                    Name = name, Version = number, Path = f.Path, Size = f.Blob.Size, Sha256 = f.Blob.Sha256,
                }).ToList(),
                Tags = upload.Tags.Select(t => new ModelTag { Name = name, Version = number, Key = t.Key, Value = t.Value }).ToList(),
            };
            db.ModelVersions.Add(entity);
            var eventId = Guid.NewGuid();
            db.AddOutboxEvent(eventId, new ModelRegistered(eventId, name, number, framework, now), now);
            await db.SaveChangesAsync(ct);

            // Content goes in place before the rows become visible, so a committed row always has its blob. If the
            // commit fails after this, the blobs are orphans and the collector removes them after its grace period.
            foreach (var file in upload.Files) blobs.Commit(file.Blob);
            await transaction.CommitAsync(ct);
            return entity;
        }, cancellationToken);

        outbox.Notify();
        logger.LogInformation("Registered model {Model} with {FileCount} files", version.Id, version.Files.Count);
        return version;
    }

    private void Validate(ModelUpload upload)
    {
        if (ModelRules.CheckName(upload.Name) is { } nameError) upload.AddError("name", nameError);
        if (ModelRules.CheckDescription(upload.Description) is { } descriptionError) upload.AddError("description", descriptionError);
        if (upload.Framework is not null && ModelRules.CheckFramework(upload.Framework) is { } frameworkError)
            upload.AddError("framework", frameworkError);
        foreach (var tagError in ModelRules.CheckTags(upload.Tags)) upload.AddError("tags", tagError);

        if (upload.Files.Count == 0) upload.AddError(FileField, "At least one file part is required.");
        if (upload.Files.Count > options.Value.MaxFilesPerVersion)
            upload.AddError(FileField, $"At most {options.Value.MaxFilesPerVersion} files are allowed in one version.");
        foreach (var duplicate in upload.Files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1))
            upload.AddError(FileField, $"The file path '{duplicate.Key}' appears more than once.");
    }

    /// <summary>
    /// For onnx versions every *.onnx file (or the only file, whatever its name) must parse as a ModelProto. The one
    /// whose signature the version reports is the only such file, else "model.onnx", else the first by path.
    /// </summary>
    private static (string? ModelFile, OnnxModelInfo? Info) CheckOnnx(ModelUpload upload)
    {
        var framework = upload.Framework ?? ModelRules.DefaultFramework;
        if (!framework.Equals("onnx", StringComparison.OrdinalIgnoreCase)) return (null, null);

        var candidates = upload.Files.Where(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0 && upload.Files.Count == 1) candidates.Add(upload.Files[0]);
        if (candidates.Count == 0)
        {
            upload.AddError(FileField, "An onnx model needs a file whose name ends in '.onnx'.");
            return (null, null);
        }

        var infos = new Dictionary<string, OnnxModelInfo>(StringComparer.Ordinal);
        foreach (var file in candidates)
        {
            try
            {
                using var stream = new FileStream(file.Blob.TempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                infos[file.Path] = OnnxInspector.Inspect(stream);
            }
            catch (InvalidDataException ex)
            {
                upload.AddError(FileField, $"The file '{file.Path}' is not an ONNX model: {ex.Message}.");
            }
        }
        // Weights kept outside the model file must come with it, or no runtime can load the model.
        var paths = upload.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, info) in infos)
        {
            var folder = path.Contains('/') ? path[..(path.LastIndexOf('/') + 1)] : "";
            foreach (var location in info.ExternalData)
            {
                var relative = location.Replace('\\', '/');
                while (relative.StartsWith("./", StringComparison.Ordinal)) relative = relative[2..];
                var (expected, _) = ModelRules.NormalizePath(folder + relative);
                if (expected is null || !paths.Contains(expected))
                    upload.AddError(FileField, $"The model '{path}' keeps tensor data in '{location}', which is not among the uploaded files.");
            }
        }
        if (!upload.IsValid) return (null, null);

        var chosen = candidates.Count == 1 ? candidates[0].Path
            : candidates.FirstOrDefault(c => c.Path == "model.onnx")?.Path
              ?? candidates.Select(c => c.Path).Order(StringComparer.Ordinal).First();
        return (chosen, infos[chosen]);
    }
}
