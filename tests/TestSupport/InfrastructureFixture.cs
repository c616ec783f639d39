using System.Collections.Concurrent;
using TestSupport.Servers;

namespace TestSupport;

/// <summary>
/// A private, real PostgreSQL 15 cluster and RabbitMQ node for one test project, started once and stopped at the end.
/// Use it as a collection fixture:
/// <code>
/// [CollectionDefinition(nameof(InfrastructureCollection))]
/// public sealed class InfrastructureCollection : ICollectionFixture&lt;InfrastructureFixture&gt;;
/// </code>
/// Set PLATFORM_TEST_POSTGRES (<c>Host=…;Port=…;Username=…;Password=…</c>) and/or PLATFORM_TEST_RABBITMQ
/// (<c>amqp://…</c>) to use servers that already run instead of starting new ones.
/// </summary>
public sealed class InfrastructureFixture : IAsyncLifetime
{
    public const string PostgresVariable = "PLATFORM_TEST_POSTGRES";
    public const string RabbitMqVariable = "PLATFORM_TEST_RABBITMQ";

    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new();
    private PostgresServer? _postgres;
    private RabbitMqServer? _rabbitMq;
    private readonly List<ProcessLog> _logs = [];
    private ExternalPostgres? _externalPostgres;
    private string? _rabbitMqConnectionString;

    /// <summary>Folder of this fixture's servers (data and logs); deleted on dispose.</summary>
    public string RootDirectory { get; } = CreateRootDirectory();

    public string LogDirectory => Path.Combine(RootDirectory, "logs");

    /// <summary><c>amqp://guest:guest@127.0.0.1:PORT/</c></summary>
    public string RabbitMqConnectionString => _rabbitMqConnectionString ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Port of the RabbitMQ node's AMQP listener.</summary>
    public int RabbitMqPort => new Uri(RabbitMqConnectionString).Port;

    public int PostgresPort => _postgres?.Port ?? _externalPostgres?.Port ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Process group ids of the servers this fixture started (none for reused servers).</summary>
    public IReadOnlyList<int> ProcessGroups =>
        new[] { _postgres?.Process?.Pid, _rabbitMq?.Process?.Pid }.OfType<int>().ToList();

    /// <summary>An Npgsql connection string for <paramref name="database"/>, created first if missing. Use a name of your own per test class.</summary>
    public string PostgresConnectionString(string database) => PostgresConnectionStringAsync(database).GetAwaiter().GetResult();

    public Task<string> PostgresConnectionStringAsync(string database) =>
        _databases.GetOrAdd(database, name => new Lazy<Task<string>>(() => CreateDatabaseAsync(name))).Value;

    public async Task InitializeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit += KillServersOnExit;
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        var rabbitMq = Environment.GetEnvironmentVariable(RabbitMqVariable);
        var tasks = new List<Task>();

        if (!string.IsNullOrWhiteSpace(postgres)) _externalPostgres = ExternalPostgres.Parse(postgres);
        else
        {
            _postgres = new PostgresServer(
                new PostgresServerSettings(Path.Combine(RootDirectory, "postgres")) { DisableFsync = true },
                NewLog("postgres"));
            tasks.Add(_postgres.StartAsync());
        }

        if (!string.IsNullOrWhiteSpace(rabbitMq)) _rabbitMqConnectionString = rabbitMq;
        else
        {
            _rabbitMq = new RabbitMqServer(new RabbitMqServerSettings(Path.Combine(RootDirectory, "rabbitmq")), NewLog("rabbitmq"));
            tasks.Add(_rabbitMq.StartAsync());
        }

        try
        {
            await Task.WhenAll(tasks);
            if (_rabbitMq is not null) _rabbitMqConnectionString = _rabbitMq.ConnectionString;
        }
        catch
        {
            await StopServersAsync();
            // The log files stay so that the error's path can be read; everything else goes.
            var failures = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            if (failures.Count == 1) throw failures[0];
            throw new AggregateException("The test infrastructure did not start.", failures);
        }
    }

    public async Task DisposeAsync()
    {
        await StopServersAsync();
        AppDomain.CurrentDomain.ProcessExit -= KillServersOnExit;
        foreach (var log in _logs) log.Dispose();
        try { Directory.Delete(RootDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private async Task StopServersAsync()
    {
        await Task.WhenAll(
            _postgres?.StopAsync() ?? Task.CompletedTask,
            _rabbitMq?.StopAsync() ?? Task.CompletedTask);
    }

    /// <summary>A test run killed half-way must not leave servers behind: SIGKILL whatever is still ours.</summary>
    private void KillServersOnExit(object? sender, EventArgs e)
    {
        foreach (var group in ProcessGroups) Posix.SignalGroup(group, Posix.SIGKILL);
    }

    private async Task<string> CreateDatabaseAsync(string database)
    {
        if (_postgres is not null)
        {
            await _postgres.EnsureDatabaseAsync(database);
            return _postgres.ConnectionString(database);
        }
        if (_externalPostgres is not null)
        {
            await _externalPostgres.EnsureDatabaseAsync(database);
            return _externalPostgres.ConnectionString(database);
        }
        throw new InvalidOperationException("The fixture is not initialized.");
    }

    private ProcessLog NewLog(string name)
    {
        var log = new ProcessLog(name, Path.Combine(LogDirectory, name + ".log"), echoToConsole: false);
        _logs.Add(log);
        return log;
    }

    private static string CreateRootDirectory()
    {
        var root = Directory.CreateTempSubdirectory("platform-tests-").FullName;
        // The postgres and rabbitmq system users must be able to reach their folders inside.
        Posix.SetMode(root, (UnixFileMode)0b111_101_101);
        return root;
    }
}
