using System.Data.Common;
using System.Text.RegularExpressions;
using TestSupport.Servers;

namespace TestSupport;

/// <summary>A PostgreSQL server that already runs (PLATFORM_TEST_POSTGRES); databases are created with psql over TCP.</summary>
internal sealed partial class ExternalPostgres(string host, int port, string user, string password)
{
    public int Port => port;

    public static ExternalPostgres Parse(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Get(string key, string fallback) => builder.TryGetValue(key, out var v) && v?.ToString() is { Length: > 0 } s ? s : fallback;
        return new ExternalPostgres(Get("Host", "127.0.0.1"), int.Parse(Get("Port", "5432")), Get("Username", "postgres"), Get("Password", ""));
    }

    public string ConnectionString(string database) =>
        $"Host={host};Port={port};Database={database};Username={user};Password={password}";

    public async Task EnsureDatabaseAsync(string database)
    {
        if (!DatabaseName().IsMatch(database)) throw new ArgumentException($"Database name '{database}' must be lower-case letters, digits and '_'.", nameof(database));
        var exists = await PsqlAsync($"SELECT 1 FROM pg_database WHERE datname = '{database}'");
        if (exists.Output.Trim() == "1") return;
        var created = await PsqlAsync($"CREATE DATABASE \"{database}\"");
        if (!created.Succeeded && !created.Output.Contains("already exists", StringComparison.Ordinal))
            throw new InvalidOperationException($"Creating database {database} on {host}:{port} failed: {created.Output.Trim()}");
    }

    private Task<Command.Result> PsqlAsync(string sql) =>
        Command.RunAsync(
            new ProcessSpec("/usr/lib/postgresql/15/bin/psql", ["-h", host, "-p", port.ToString(), "-U", user, "-d", "postgres", "-tAX", "-c", sql])
            {
                Environment = new Dictionary<string, string> { ["PGPASSWORD"] = password },
            },
            TimeSpan.FromSeconds(30));

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
