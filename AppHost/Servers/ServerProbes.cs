namespace AppHost.Servers;

/// <summary>The app host's health checks of our servers, over <see cref="ServerWireProbes"/>.</summary>
internal static class ServerProbes
{
    public static async Task<HealthCheckResult> PostgresAsync(string dataDirectory, int port, CancellationToken cancellationToken)
    {
        if (!await ServerWireProbes.IsPostmasterReadyAsync(dataDirectory, cancellationToken))
            return HealthCheckResult.Unhealthy("the postmaster is not ready yet");
        return await ServerWireProbes.AcceptsAsync(port, cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"127.0.0.1:{port} refuses connections");
    }

    public static async Task<HealthCheckResult> EpmdAsync(int port, CancellationToken cancellationToken) =>
        await ServerWireProbes.AnswersEpmdAsync(port, cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"epmd on 127.0.0.1:{port} does not answer yet");

    public static async Task<HealthCheckResult> AmqpAsync(int port, CancellationToken cancellationToken) =>
        await ServerWireProbes.AnswersAmqpAsync(port, cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"AMQP 0-9-1 on 127.0.0.1:{port} does not answer yet");
}
