using System.Net.Sockets;

namespace AppHost.Servers;

/// <summary>Readiness checks of our servers, cheap enough to run every few seconds on two cores.</summary>
internal static class ServerProbes
{
    public static async Task<HealthCheckResult> PostgresAsync(string dataDirectory, int port, CancellationToken cancellationToken)
    {
        // Line 8 of postmaster.pid is the postmaster's status ("starting", "ready", "stopping"), as pg_ctl -w reads it.
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        string[] lines;
        try { lines = await File.ReadAllLinesAsync(pidFile, cancellationToken); }
        catch (IOException) { return HealthCheckResult.Unhealthy("no postmaster.pid yet"); }
        if (lines.Length < 8 || lines[7].Trim() != "ready") return HealthCheckResult.Unhealthy("the postmaster is not ready yet");
        return await AcceptsAsync(port, cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"127.0.0.1:{port} refuses connections");
    }

    /// <summary>Asks epmd for the names it knows (NAMES_REQ): a bare connect-and-close makes it log an error each time.</summary>
    public static async Task<HealthCheckResult> EpmdAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(new byte[] { 0, 1, 110 }, timeout.Token);
            var answer = new byte[4]; // epmd's own port, then the names
            await stream.ReadExactlyAsync(answer, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"epmd on 127.0.0.1:{port} does not answer yet");
        }
    }

    /// <summary>
    /// Sends the AMQP 0-9-1 protocol header and expects the method frame of Connection.Start (class 10, method 10):
    /// cheaper than "rabbitmqctl status", which boots an Erlang VM each time.
    /// </summary>
    public static async Task<HealthCheckResult> AmqpAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token);
            var header = new byte[11]; // type(1) channel(2) size(4) class(2) method(2)
            await stream.ReadExactlyAsync(header, timeout.Token);
            return header[0] == 1 && header[7] == 0 && header[8] == 10 && header[9] == 0 && header[10] == 10
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the port does not speak AMQP 0-9-1");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"AMQP on 127.0.0.1:{port} does not answer yet");
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
