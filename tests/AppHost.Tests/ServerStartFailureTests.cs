using System.Net;
using System.Net.Sockets;
using AppHost.Resources;
using TestSupport;

namespace AppHost.Tests;

/// <summary>A server that cannot start gives one clear error naming it and its log, and leaves nothing running.</summary>
public sealed class ServerStartFailureTests : IDisposable
{
    private readonly string _root;
    private readonly TcpListener _occupied = new(IPAddress.Loopback, 0);

    public ServerStartFailureTests()
    {
        _root = Directory.CreateTempSubdirectory("apphost-failure-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _occupied.Start();
    }

    private int OccupiedPort => ((IPEndPoint)_occupied.LocalEndpoint).Port;

    [Fact]
    public async Task Postgres_on_a_taken_port_fails_with_its_log_named()
    {
        var logPath = Path.Combine(_root, "logs", "postgres.log");
        using var log = new ProcessLog("postgres", logPath, echoToConsole: false);
        var server = new PostgresServer(new PostgresServerSettings(Path.Combine(_root, "postgres")) { Port = OccupiedPort }, log);

        var error = await Assert.ThrowsAsync<ServerStartException>(() => server.StartAsync());

        Assert.Equal("PostgreSQL", error.Server);
        Assert.StartsWith("PostgreSQL failed to start", error.Message);
        Assert.Contains(logPath, error.Message);
        Assert.Contains("could not", await File.ReadAllTextAsync(logPath));
        Assert.Empty(ProcessTable.LiveProcessesInGroups([server.Process!.Pid]));
    }

    [Fact]
    public async Task RabbitMq_on_a_taken_port_fails_with_its_log_named()
    {
        var logPath = Path.Combine(_root, "logs", "rabbitmq.log");
        using var log = new ProcessLog("rabbitmq", logPath, echoToConsole: false);
        var server = new RabbitMqServer(new RabbitMqServerSettings(Path.Combine(_root, "rabbitmq")) { Port = OccupiedPort }, log);

        var error = await Assert.ThrowsAsync<ServerStartException>(() => server.StartAsync());

        Assert.Equal("RabbitMQ", error.Server);
        Assert.Contains(logPath, error.Message);
        Assert.True(await server.Process!.WaitForGroupExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(ProcessTable.LiveProcessesInGroups([server.Process.Pid]));
    }

    public void Dispose()
    {
        _occupied.Stop();
        Directory.Delete(_root, recursive: true);
    }
}
