using AppHost.Servers;
using System.Security.Cryptography;
using System.Text;

namespace TestSupport.Servers;

internal sealed record RabbitMqServerSettings(string RootDirectory)
{
    /// <summary>AMQP port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Erlang distribution port (rabbitmqctl talks to the node through it); 0 picks a free one.</summary>
    public int DistributionPort { get; init; }

    public string BinDirectory { get; init; } = "/usr/lib/rabbitmq/bin";

    /// <summary>The broker needs 10–15 s on two cores; a slow CI machine gets generous room.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Where the console output goes; null: <c>{RootDirectory}/rabbitmq.log</c>.</summary>
    public string? LogPath { get; init; }
}

/// <summary>
/// A private RabbitMQ node in a folder of ours (mnesia, logs, Erlang cookie and home all inside it), run as the
/// <c>rabbitmq</c> system user when we are root. Its node name derives from the folder, so one folder keeps its
/// data across runs while two folders (the platform and a test run) never clash in epmd.
/// It registers with an Erlang port mapper (epmd) of its own on a private port, started in the node's process group so
/// that stopping (or killing) the group ends both. Erlang is told never to start an epmd itself (<c>-start_epmd
/// false</c>): the one it would start is an <c>epmd -daemon</c> that leaves the group and outlives the run.
/// </summary>
internal sealed class RabbitMqServer(RabbitMqServerSettings settings, ProcessLog log) : IAsyncDisposable
{
    private const string SystemUser = "rabbitmq";

    private ManagedProcess? _process;

    public string RootDirectory { get; } = Path.GetFullPath(settings.RootDirectory);

    public string NodeName { get; } = NodeNameFor(Path.GetFullPath(settings.RootDirectory));

    public int Port { get; private set; } = settings.Port;

    public int DistributionPort { get; private set; } = settings.DistributionPort;

    /// <summary>The node's own epmd (picked at start).</summary>
    public int EpmdPort { get; private set; }

    public string? LogPath => log.FilePath;

    public ManagedProcess? Process => _process;

    /// <summary>The default guest user may connect from loopback only, which is all we listen on.</summary>
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public static string NodeNameFor(string rootDirectory) =>
        "platform-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rootDirectory)))[..10] + "@localhost";

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("RabbitMQ is already running.");
        if (Port == 0) Port = FreePort.Next();
        if (DistributionPort == 0) DistributionPort = FreePort.Next(20000, 50000);
        EpmdPort = FreePort.Next();
        await PrepareFoldersAsync();
        await StopLeftoverNodeAsync();

        log.Append($"starting RabbitMQ node {NodeName} on 127.0.0.1:{Port} (distribution port {DistributionPort})");
        var environment = new Dictionary<string, string>(CliEnvironment)
        {
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Port.ToString(),
            ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(RootDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(RootDirectory, "log"),
            ["RABBITMQ_LOGS"] = "-", // to stdout, which we capture
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(RootDirectory, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(RootDirectory, "rabbitmq"), // absent: defaults, not /etc/rabbitmq's
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(RootDirectory, "advanced.config"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(RootDirectory, "rabbitmq-env.conf"),
            ["RABBITMQ_PID_FILE"] = PidFile,
        };
        // epmd first, in the same process group, and the node only once epmd answers (it may not start one itself).
        const string withOwnEpmd =
            "epmd -port \"$ERL_EPMD_PORT\" -address 127.0.0.1 & " +
            "for _ in $(seq 1 100); do epmd -port \"$ERL_EPMD_PORT\" -names >/dev/null 2>&1 && break; sleep 0.1; done; " +
            "exec \"$0\"";
        _process = ManagedProcess.Start(
            new ProcessSpec("/bin/bash", ["-c", withOwnEpmd, Path.Combine(settings.BinDirectory, "rabbitmq-server")])
            {
                RunAsUser = SystemUser,
                Environment = environment,
                WorkingDirectory = RootDirectory,
            },
            log);

        await WaitUntilReadyAsync(_process, cancellationToken);
        log.Append("RabbitMQ is ready");
    }

    /// <summary>rabbitmqctl stop (a clean shutdown), then whatever is left of the process group is killed.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            var stop = await RabbitMqCtlAsync(["stop"], TimeSpan.FromSeconds(30));
            if (!stop.Succeeded) log.Append($"rabbitmqctl stop failed: {stop.Output.Trim()}", isError: true);
        }
        await _process.StopAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private string PidFile => Path.Combine(RootDirectory, "rabbitmq.pid");

    /// <summary>The CLI tools must see the node's home (for its Erlang cookie) and name.</summary>
    private Dictionary<string, string> CliEnvironment => new()
    {
        ["HOME"] = Path.Combine(RootDirectory, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["ERL_EPMD_PORT"] = EpmdPort.ToString(),
        ["ERL_FLAGS"] = "-start_epmd false",
    };

    private Task<Command.Result> RabbitMqCtlAsync(IReadOnlyList<string> arguments, TimeSpan timeout) =>
        Command.RunAsync(
            new ProcessSpec(Path.Combine(settings.BinDirectory, "rabbitmqctl"), ["-n", NodeName, .. arguments])
            {
                RunAsUser = SystemUser,
                Environment = CliEnvironment,
                WorkingDirectory = RootDirectory,
            },
            timeout);

    private async Task PrepareFoldersAsync()
    {
        foreach (var folder in new[] { "", "home", "mnesia", "log" }) Directory.CreateDirectory(Path.Combine(RootDirectory, folder));
        Posix.SetMode(RootDirectory, (UnixFileMode)0b111_101_101);
        var plugins = Path.Combine(RootDirectory, "enabled_plugins");
        if (!File.Exists(plugins)) await File.WriteAllTextAsync(plugins, "[].\n"); // no plugins: the management UI is not needed
        await Command.GiveToUserAsync(RootDirectory, SystemUser);
    }

    /// <summary>A node left running on our folder by an earlier run that was killed would hold our node name: stop it.</summary>
    private async Task StopLeftoverNodeAsync()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) || !Posix.IsAlive(pid)) return;
        log.Append($"a RabbitMQ node (pid {pid}) from an earlier run still uses {RootDirectory}: stopping it", isError: true);
        var stop = await RabbitMqCtlAsync(["stop"], TimeSpan.FromSeconds(30));
        if (!stop.Succeeded) Posix.Signal(pid, Posix.SIGKILL);
    }

    /// <summary>
    /// Ready when the AMQP port answers the protocol header with a Connection.Start frame. Cheaper than polling
    /// "rabbitmqctl status", which boots an Erlang VM each time (about a second of CPU on a two-core machine).
    /// </summary>
    private async Task WaitUntilReadyAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + settings.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw Failure($"the node exited with code {await process.Exited} before it was ready");
            if (await ServerWireProbes.AnswersAmqpAsync(Port, cancellationToken)) return;
            if (DateTime.UtcNow > deadline)
            {
                await process.StopAsync(TimeSpan.FromSeconds(5));
                throw Failure($"not ready after {settings.StartTimeout.TotalSeconds:0}s");
            }
            await Task.Delay(250, cancellationToken);
        }
    }


    private ServerStartException Failure(string reason) => new("RabbitMQ", reason, LogPath, log.Tail(15));
}
