using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Infrastructure;
using ServiceDefaults.Data;

namespace TestSupport;

/// <summary>
/// What every service's migrations must do, on a real PostgreSQL: a new database and one created by the hand-written
/// migrations of before the generated baseline end with exactly the same schema (names, types, defaults, constraints,
/// indexes) and history; a database that missed some hand-written steps gets them; starting again changes nothing; and
/// the model has nothing a new migration would still have to add. A service's test class derives from it and adds its
/// own data test.
/// </summary>
public abstract class MigrationTestsBase<TContext>(InfrastructureFixture infrastructure, string prefix, DatabaseNaming naming)
    where TContext : DbContext, IHasLegacyMigrationPath
{
    protected DatabaseNaming Naming => naming;

    protected LegacyMigrationPath Legacy
    {
        get
        {
            using var db = MigrationPaths.Context<TContext>("Host=unused", naming);
            return db.LegacyMigrations;
        }
    }

    protected Task<string> DatabaseAsync(string name) =>
        infrastructure.PostgresConnectionStringAsync($"{prefix}_{name}_{Guid.NewGuid():N}"[..50]);

    /// <summary>A database created by the hand-written migrations (the first <paramref name="steps"/> of them; all by default).</summary>
    protected async Task<string> LegacyDatabaseAsync(string name, int? steps = null)
    {
        var connectionString = await DatabaseAsync(name);
        await MigrationPaths.CreateLegacyAsync(connectionString, Legacy, steps);
        return connectionString;
    }

    protected TContext Context(string connectionString) => MigrationPaths.Context<TContext>(connectionString, naming);

    protected Task<bool> MigrateAsync(string connectionString) => MigrationPaths.MigrateAsync<TContext>(connectionString, naming);

    private IReadOnlyList<string> GeneratedMigrations()
    {
        using var db = Context("Host=unused");
        return db.GetService<IMigrationsAssembly>().Migrations.Keys.Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task A_new_database_gets_exactly_the_schema_of_one_upgraded_from_the_hand_written_migrations()
    {
        var fresh = await DatabaseAsync("new");
        Assert.False(await MigrateAsync(fresh));
        var legacy = await LegacyDatabaseAsync("old");
        Assert.True(await MigrateAsync(legacy));

        var expected = await MigrationPaths.DescribeAsync(fresh);
        Assert.Contains(expected, line => line.StartsWith("column __EFMigrationsHistory.MigrationId ", StringComparison.Ordinal));
        Assert.Equal(expected, await MigrationPaths.DescribeAsync(legacy));
        Assert.Equal(GeneratedMigrations(), await MigrationPaths.HistoryAsync(fresh));
        Assert.Equal(GeneratedMigrations(), await MigrationPaths.HistoryAsync(legacy));
    }

    [Fact]
    public async Task A_database_that_missed_hand_written_steps_gets_them_in_the_upgrade()
    {
        var fresh = await DatabaseAsync("new");
        await MigrateAsync(fresh);
        var early = await LegacyDatabaseAsync("early", steps: 1);
        Assert.True(await MigrateAsync(early));

        Assert.Equal(await MigrationPaths.DescribeAsync(fresh), await MigrationPaths.DescribeAsync(early));
        Assert.Equal(GeneratedMigrations(), await MigrationPaths.HistoryAsync(early));
    }

    [Fact]
    public async Task Starting_again_on_an_upgraded_database_changes_nothing()
    {
        var legacy = await LegacyDatabaseAsync("again");
        Assert.True(await MigrateAsync(legacy));
        var schema = await MigrationPaths.DescribeAsync(legacy);

        Assert.False(await MigrateAsync(legacy));
        Assert.Equal(schema, await MigrationPaths.DescribeAsync(legacy));
        Assert.Equal(GeneratedMigrations(), await MigrationPaths.HistoryAsync(legacy));
    }

    [Fact]
    public void The_model_has_nothing_a_new_migration_would_still_have_to_add()
    {
        using var db = Context("Host=unused");
        Assert.NotEmpty(GeneratedMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"{typeof(TContext).Name} differs from its model snapshot: run dotnet ef migrations add (see README).");
    }
}
