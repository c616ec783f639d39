using Contracts.Events;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Service.Infrastructure;
using ServiceDefaults.Messaging.Outbox;

namespace Registry.Service.Models;

/// <summary>Reads, changes and deletes registered versions, and records who uses them; shared by the REST API and gRPC.</summary>
public sealed class ModelCatalog(RegistryDbContext db, OutboxSignal outbox, ILogger<ModelCatalog> logger)
{
    private IQueryable<ModelVersion> Versions => db.ModelVersions
        .AsNoTracking()
        .Include(v => v.Files.OrderBy(f => f.Path))
        .Include(v => v.Tags)
        .Include(v => v.Uses)
        .AsSplitQuery();

    public async Task<ModelVersion?> FindAsync(string name, VersionSelector selector, CancellationToken cancellationToken)
    {
        var query = Versions.Where(v => v.Name == name);
        return selector.Number is { } number
            ? await query.FirstOrDefaultAsync(v => v.Version == number, cancellationToken)
            : await query.OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Versions matching every filter given, newest first per name.</summary>
    public async Task<List<ModelVersion>> ListAsync(string? name, IReadOnlyList<TagFilter> tags, int limit, CancellationToken cancellationToken)
    {
        var query = Versions;
        if (name is not null) query = query.Where(v => v.Name == name);
        foreach (var tag in tags)
        {
            var (key, value) = (tag.Key, tag.Value);
            query = value is null
                ? query.Where(v => v.Tags.Any(t => t.Key == key))
                : query.Where(v => v.Tags.Any(t => t.Key == key && t.Value == value));
        }
        return await query.OrderBy(v => v.Name).ThenByDescending(v => v.Version).Take(limit).ToListAsync(cancellationToken);
    }

    /// <summary>Replaces the description and/or the tags (null leaves a field as it is). Null when the version does not exist.</summary>
    public async Task<ModelVersion?> UpdateAsync(
        string name, VersionSelector selector, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken)
    {
        var found = await FindAsync(name, selector, cancellationToken);
        if (found is null) return null;
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (description is not null)
                await db.ModelVersions.Where(v => v.Name == name && v.Version == found.Version)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.Description, description), ct);
            if (tags is not null)
            {
                await db.ModelTags.Where(t => t.Name == name && t.Version == found.Version).ExecuteDeleteAsync(ct);
                db.ModelTags.AddRange(tags.Select(t => new ModelTag { Name = name, Version = found.Version, Key = t.Key, Value = t.Value }));
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }, cancellationToken);
        return await FindAsync(name, new VersionSelector(found.Version), cancellationToken);
    }

    /// <summary>
    /// Deletes a version and queues ModelDeleted in the same transaction. The model_uses foreign key (ON DELETE
    /// RESTRICT) makes PostgreSQL refuse the delete while any use exists, including one inserted concurrently.
    /// </summary>
    public async Task<DeleteOutcome> DeleteAsync(string name, VersionSelector selector, CancellationToken cancellationToken)
    {
        var found = await FindAsync(name, selector, cancellationToken);
        if (found is null) return new DeleteOutcome.NotFound();
        try
        {
            var deleted = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var rows = await db.ModelVersions.Where(v => v.Name == name && v.Version == found.Version).ExecuteDeleteAsync(ct);
                if (rows == 0) return false;
                var now = DateTimeOffset.UtcNow;
                var eventId = Guid.NewGuid();
                db.AddOutboxEvent(eventId, new ModelDeleted(eventId, name, found.Version, now), now);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return true;
            }, cancellationToken);
            if (!deleted) return new DeleteOutcome.NotFound();
        }
        catch (Exception ex) when (IsForeignKeyViolation(ex))
        {
            var users = await db.ModelUses.AsNoTracking().Where(u => u.Name == name && u.Version == found.Version)
                .OrderBy(u => u.User).Select(u => u.User).ToListAsync(cancellationToken);
            return new DeleteOutcome.InUse(found.Id, users);
        }
        outbox.Notify();
        logger.LogInformation("Deleted model {Model}", found.Id);
        return new DeleteOutcome.Deleted(found.Id);
    }

    /// <summary>
    /// Records that <paramref name="user"/> uses the version (idempotent) and returns it; null when it does not exist
    /// (also when it is deleted concurrently: the foreign key check waits for that delete and then fails).
    /// </summary>
    public async Task<ModelVersion?> AcquireUseAsync(string name, VersionSelector selector, string user, CancellationToken cancellationToken)
    {
        var found = await FindAsync(name, selector, cancellationToken);
        if (found is null) return null;
        try
        {
            var now = DateTimeOffset.UtcNow;
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO model_uses (name, version, "user", created_at) VALUES ({name}, {found.Version}, {user}, {now})
                ON CONFLICT DO NOTHING
                """, cancellationToken);
        }
        catch (Exception ex) when (IsForeignKeyViolation(ex))
        {
            return null;
        }
        return await FindAsync(name, new VersionSelector(found.Version), cancellationToken);
    }

    /// <summary>Removes the user's use of one version, or of every version when <paramref name="name"/> is null. Idempotent.</summary>
    public async Task<int> ReleaseUseAsync(string? name, VersionSelector selector, string user, CancellationToken cancellationToken)
    {
        var query = db.ModelUses.Where(u => u.User == user);
        if (name is not null)
        {
            query = query.Where(u => u.Name == name);
            if (selector.Number is { } number) query = query.Where(u => u.Version == number);
        }
        return await query.ExecuteDeleteAsync(cancellationToken);
    }

    private static bool IsForeignKeyViolation(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation }) return true;
        return false;
    }
}

public abstract record DeleteOutcome
{
    public sealed record Deleted(string Id) : DeleteOutcome;
    public sealed record NotFound : DeleteOutcome;
    public sealed record InUse(string Id, IReadOnlyList<string> Users) : DeleteOutcome;
}
