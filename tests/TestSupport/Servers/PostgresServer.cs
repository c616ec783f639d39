using AppHost.Servers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace TestSupport.Servers;

internal sealed record PostgresServerSettings(string RootDirectory)
{
    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }

    public string BinDirectory { get; init; } = "/usr/lib/postgresql/15/bin";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Trades durability for speed: right for throw-away test clusters, wrong for the platform's own data.</summary>
    public bool DisableFsync { get; init; }

    /// <summary>Where the console output goes; null: <c>{RootDirectory}/postgres.log</c>.</summary>
    public string? LogPath { get; init; }
}

/// <summary>
/// A private PostgreSQL 15 cluster in a folder of ours: <c>data/</c> (initdb on first start), the unix socket and
/// <c>password</c> beside it. It listens on 127.0.0.1 only, with password (scram-sha-256) authentication for TCP:
/// other users of the machine can reach 127.0.0.1 too, so "trust" would hand them our databases.
/// Run as the <c>postgres</c> system user when we are root (PostgreSQL refuses to run as root).
/// </summary>
internal sealed partial class PostgresServer(PostgresServerSettings settings, ProcessLog log) : IAsyncDisposable
{
    public const string User = "postgres";
    private const string SystemUser = "postgres";

    private ManagedProcess? _process;

    public string RootDirectory { get; } = Path.GetFullPath(settings.RootDirectory);

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string PasswordFile => Path.Combine(RootDirectory, "password");

    public int Port { get; private set; } = settings.Port;

    public string Password { get; private set; } = "";

    public string? LogPath => log.FilePath;

    public ManagedProcess? Process => _process;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username={User};Password={Password}";

    /// <summary>Reads the cluster's password, creating it (32 hex characters) on first use.</summary>
    public static string LoadOrCreatePassword(string rootDirectory)
    {
        var file = Path.Combine(rootDirectory, "password");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing) return existing;
        Directory.CreateDirectory(rootDirectory);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(file, password);
        Posix.SetMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return password;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("PostgreSQL is already running.");
        Directory.CreateDirectory(RootDirectory);
        Posix.SetMode(RootDirectory, (UnixFileMode)0b111_101_101);
        Password = LoadOrCreatePassword(RootDirectory);
        if (Port == 0) Port = FreePort.Next();

        await InitializeClusterAsync(cancellationToken);
        await StopLeftoverServerAsync();

        log.Append($"starting PostgreSQL on 127.0.0.1:{Port} with data in {DataDirectory}");
        var arguments = new List<string>
        {
            "-D", DataDirectory, "-p", Port.ToString(), "-k", RootDirectory,
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
        };
        if (settings.DisableFsync) arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        _process = ManagedProcess.Start(new ProcessSpec(Bin("postgres"), arguments) { RunAsUser = SystemUser }, log);

        await WaitUntilReadyAsync(_process, cancellationToken);
        log.Append("PostgreSQL is ready");
    }

    /// <summary>Creates the database unless it exists (over the unix socket as the postgres user).</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        if (!DatabaseName().IsMatch(database))
            throw new ArgumentException($"Database name '{database}' must be lower-case letters, digits and '_', starting with a letter.", nameof(database));
        var exists = await PsqlAsync($"SELECT 1 FROM pg_database WHERE datname = '{database}'", cancellationToken);
        if (exists.Trim() == "1") return;
        try
        {
            await PsqlAsync($"CREATE DATABASE \"{database}\"", cancellationToken);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("already exists", StringComparison.Ordinal))
        {
            // Created by a concurrent caller in between: what we wanted.
        }
    }

    /// <summary>Fast shutdown (pg_ctl stop -m fast), then whatever is left of the process group is killed.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            var stop = await Command.RunAsync(
                new ProcessSpec(Bin("pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "20"]) { RunAsUser = SystemUser },
                TimeSpan.FromSeconds(30));
            if (!stop.Succeeded) log.Append($"pg_ctl stop failed: {stop.Output.Trim()}", isError: true);
        }
        await _process.StopAsync(TimeSpan.FromSeconds(5));
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task InitializeClusterAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))) return;
        log.Append($"initializing a new cluster in {DataDirectory}");
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true); // a half-made cluster from an interrupted initdb
        await Command.GiveToUserAsync(RootDirectory, SystemUser);
        var result = await Command.RunAsync(
            new ProcessSpec(Bin("initdb"),
            [
                "-D", DataDirectory, "-U", User, "--pwfile", PasswordFile, "--auth-host=scram-sha-256", "--auth-local=peer",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ]) { RunAsUser = SystemUser },
            TimeSpan.FromSeconds(120), cancellationToken);
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) log.Append(line);
        if (!result.Succeeded) throw Failure($"initdb exited with code {result.ExitCode}");
    }

    /// <summary>A server left running on our data folder by an earlier run that was killed: stop it before we start.</summary>
    private async Task StopLeftoverServerAsync()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return;
        if (!int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) || !Posix.IsAlive(pid)) return;
        log.Append($"a PostgreSQL server (pid {pid}) from an earlier run still uses {DataDirectory}: stopping it", isError: true);
        await Command.RunAsync(
            new ProcessSpec(Bin("pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "20"]) { RunAsUser = SystemUser },
            TimeSpan.FromSeconds(30));
    }

    /// <summary>Ready when postmaster.pid says "ready" (as pg_ctl -w checks) and the TCP port accepts connections.</summary>
    private async Task WaitUntilReadyAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + settings.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw Failure($"the server exited with code {process.Exited.Result} before it was ready");
            if (await ServerWireProbes.IsPostmasterReadyAsync(DataDirectory, cancellationToken) &&
                await ServerWireProbes.AcceptsAsync(Port, cancellationToken)) return;
            if (DateTime.UtcNow > deadline)
            {
                await process.StopAsync(TimeSpan.FromSeconds(5));
                throw Failure($"not ready after {settings.StartTimeout.TotalSeconds:0}s");
            }
            await Task.Delay(100, cancellationToken);
        }
    }



    private async Task<string> PsqlAsync(string sql, CancellationToken cancellationToken)
    {
        var result = await Command.RunAsync(
            new ProcessSpec(Bin("psql"), ["-h", RootDirectory, "-p", Port.ToString(), "-U", User, "-d", "postgres", "-tAX", "-v", "ON_ERROR_STOP=1", "-c", sql])
            { RunAsUser = SystemUser },
            TimeSpan.FromSeconds(30), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"psql failed ({sql}): {result.Output.Trim()}");
        return result.Output;
    }

    private string Bin(string tool) => Path.Combine(settings.BinDirectory, tool);

    private ServerStartException Failure(string reason) => new("PostgreSQL", reason, LogPath, log.Tail(15));

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
