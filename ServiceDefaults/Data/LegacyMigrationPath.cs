using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDefaults.Data;

/// <summary>One hand-written migration of the time before the generated baseline: its history id and the SQL it ran.</summary>
public sealed record LegacyMigration(string Id, string Sql);

/// <summary>
/// How a database created by a service's hand-written migrations (before <c>dotnet ef</c> generated its baseline) becomes
/// one the baseline describes: the hand-written steps it lacks, in order, then <see cref="ConformSql"/>, which turns what
/// those steps left behind into exactly the baseline's schema (EF's key and constraint names, the indexes EF adds for
/// foreign keys). The data stays where it is. Tests compare both paths' schemas on a real PostgreSQL.
/// </summary>
public sealed record LegacyMigrationPath(IReadOnlyList<LegacyMigration> Steps, string ConformSql);

/// <summary>A DbContext whose database may still be on its hand-written migrations.</summary>
public interface IHasLegacyMigrationPath
{
    LegacyMigrationPath LegacyMigrations { get; }
}

public static class LegacyMigrationUpgrade
{
    private const string HistoryTable = "__EFMigrationsHistory";

    /// <summary>
    /// What a service does at start-up (and tests do in its place): the legacy upgrade when the context has one and the
    /// database needs it, then EF's MigrateAsync. Returns whether the legacy upgrade ran.
    /// </summary>
    public static async Task<bool> MigrateAsync(DbContext db, CancellationToken cancellationToken)
    {
        var upgraded = db is IHasLegacyMigrationPath legacy && await UpgradeAsync(db, legacy.LegacyMigrations, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        return upgraded;
    }

    /// <summary>
    /// When the database's migration history holds hand-written ids, brings it onto the generated baseline (the first
    /// migration of the context's assembly) in one transaction and records the baseline as applied, so that MigrateAsync
    /// then applies only what came after it. Does nothing on a new database or one already on the baseline.
    /// Returns whether it upgraded.
    /// </summary>
    public static async Task<bool> UpgradeAsync(DbContext db, LegacyMigrationPath path, CancellationToken cancellationToken)
    {
        var baseline = db.GetService<IMigrationsAssembly>().Migrations.Keys.Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"{db.GetType().Name} has no migrations: generate its baseline with dotnet ef.");
        var legacyIds = path.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        if (!await db.Database.CanConnectAsync(cancellationToken)) return false;

        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (!await db.Database.SqlQueryRaw<bool>($"SELECT to_regclass('public.\"{HistoryTable}\"') IS NOT NULL AS \"Value\"").SingleAsync(ct))
                return false;
            // Two replicas starting at once: the second waits here and then finds the baseline recorded.
            await db.Database.ExecuteSqlRawAsync($"LOCK TABLE \"{HistoryTable}\" IN EXCLUSIVE MODE", ct);
            var applied = await db.Database.SqlQueryRaw<string>($"SELECT \"MigrationId\" AS \"Value\" FROM \"{HistoryTable}\"").ToListAsync(ct);
            if (!applied.Any(legacyIds.Contains)) return false;
            if (applied.Contains(baseline))
                throw new InvalidOperationException($"{HistoryTable} holds both hand-written migrations and the baseline {baseline}: fix it by hand.");

            foreach (var step in path.Steps.Where(s => !applied.Contains(s.Id)))
                await ExecuteAsync(db, step.Sql, ct);
            if (!string.IsNullOrWhiteSpace(path.ConformSql)) await ExecuteAsync(db, path.ConformSql, ct);
            await db.Database.ExecuteSqlRawAsync($"DELETE FROM \"{HistoryTable}\" WHERE \"MigrationId\" = ANY({{0}})", [legacyIds.ToArray()], ct);
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO \"{HistoryTable}\" (\"MigrationId\", \"ProductVersion\") VALUES ({{0}}, {{1}})", [baseline, ProductInfo.GetVersion()], ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    // Straight to the connection: the SQL is taken as written (EF's raw SQL methods would read "{}" as a placeholder).
    private static async Task ExecuteAsync(DbContext db, string sql, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await command.ExecuteNonQueryAsync(ct);
    }
}
