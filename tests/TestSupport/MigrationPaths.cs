using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDefaults.Data;

namespace TestSupport;

/// <summary>
/// The two ways a service's database reaches today's schema, for the migration tests: new (the generated migrations) and
/// legacy (created by the hand-written migrations of before the baseline, then upgraded at start-up), and a description
/// of a schema to compare them by.
/// </summary>
public static class MigrationPaths
{
    /// <summary>
    /// A database as the hand-written migrations left it: their SQL in order and EF's history table holding their ids,
    /// the table exactly as EF created it then. <paramref name="steps"/>: how many of them it had run (all by default).
    /// </summary>
    public static async Task CreateLegacyAsync(string connectionString, LegacyMigrationPath path, int? steps = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            CREATE TABLE "__EFMigrationsHistory" (
                "MigrationId" character varying(150) NOT NULL,
                "ProductVersion" character varying(32) NOT NULL,
                CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
            );
            """);
        foreach (var step in path.Steps.Take(steps ?? path.Steps.Count))
        {
            await ExecuteAsync(connection, step.Sql);
            await ExecuteAsync(connection, $"INSERT INTO \"__EFMigrationsHistory\" VALUES ('{step.Id}', '10.0.14')");
        }
    }

    /// <summary>Migrates as the service does at start-up (the legacy upgrade first where needed).</summary>
    public static async Task<bool> MigrateAsync<TContext>(string connectionString, DatabaseNaming naming) where TContext : DbContext
    {
        await using var db = Context<TContext>(connectionString, naming);
        return await LegacyMigrationUpgrade.MigrateAsync(db, CancellationToken.None);
    }

    public static TContext Context<TContext>(string connectionString, DatabaseNaming naming) where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        options.UseServiceDatabase(connectionString, naming);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }

    /// <summary>
    /// The public schema, one sorted line per column (type, nullability, default, identity), constraint (its definition)
    /// and index (its definition): two databases with the same lines have the same schema, names included.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DescribeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT format('column %s.%s %s%s null=%s default=%s identity=%s', c.table_name, c.column_name, c.udt_name,
                   coalesce('(' || c.character_maximum_length || ')', '(' || c.numeric_precision || ',' || c.numeric_scale || ')', ''),
                   c.is_nullable, coalesce(c.column_default, '-'), coalesce(c.identity_generation, '-'))
            FROM information_schema.columns c WHERE c.table_schema = 'public'
            UNION ALL
            SELECT format('constraint %s %s %s', t.relname, k.conname, pg_get_constraintdef(k.oid))
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT format('index %s %s', i.tablename, i.indexdef) FROM pg_indexes i WHERE i.schemaname = 'public'
            UNION ALL
            SELECT format('sequence %s', s.sequence_name) FROM information_schema.sequences s WHERE s.sequence_schema = 'public'
            """, connection);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The ids in the database's __EFMigrationsHistory, in order.</summary>
    public static async Task<IReadOnlyList<string>> HistoryAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "MigrationId" FROM "__EFMigrationsHistory" ORDER BY 1""", connection);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, sql);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
