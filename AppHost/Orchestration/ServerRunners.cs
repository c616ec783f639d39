using AppHost.Hosting;
using AppHost.Resources;

namespace AppHost.Orchestration;

/// <summary>PostgreSQL: the server, then every database declared on it.</summary>
internal sealed class PostgresRunner(ResourceInstance instance, ProcessLog log) : ResourceRunner(instance, log)
{
    private readonly PostgresServer _server = new(
        new PostgresServerSettings(((PostgresServerResource)instance.Resource).DataDirectory) { Port = ((PostgresServerResource)instance.Resource).Port },
        log);

    public override bool IsEssential => true;

    public override ManagedProcess? Process => _server.Process;

    protected override async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await _server.StartAsync(cancellationToken);
        foreach (var database in ((PostgresServerResource)Instance.Resource).Databases)
        {
            await _server.EnsureDatabaseAsync(database.DatabaseName, cancellationToken);
            Log.Append($"database {database.DatabaseName} is there");
        }
    }

    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken) =>
        PostgresServer.AcceptsConnectionsAsync(_server.Port, cancellationToken);

    protected override Task StopCoreAsync() => _server.StopAsync();
}

internal sealed class RabbitMqRunner(ResourceInstance instance, ProcessLog log) : ResourceRunner(instance, log)
{
    private readonly RabbitMqServer _server = new(
        new RabbitMqServerSettings(((RabbitMQServerResource)instance.Resource).DataDirectory) { Port = ((RabbitMQServerResource)instance.Resource).Port },
        log);

    public override bool IsEssential => true;

    public override ManagedProcess? Process => _server.Process;

    /// <summary>Each probe is an AMQP connection the broker logs as a warning when it closes: probe rarely (a crash is seen at once through the process exit anyway).</summary>
    public override TimeSpan HealthInterval => TimeSpan.FromSeconds(30);

    protected override Task StartCoreAsync(CancellationToken cancellationToken) => _server.StartAsync(cancellationToken);

    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken) =>
        RabbitMqServer.AnswersAmqpAsync(_server.Port, cancellationToken);

    protected override Task StopCoreAsync() => _server.StopAsync();
}
