using System.Net.Sockets;

namespace AppHost.Servers;

/// <summary>
/// What our servers answer on the wire, cheap enough to ask every few seconds on two cores. Shared as source by the
/// app host's health checks (<see cref="ServerProbes"/>) and the test servers of TestSupport.
/// </summary>
internal static class ServerWireProbes
{
    /// <summary>Line 8 of postmaster.pid is the postmaster's status ("starting", "ready", "stopping"), as pg_ctl -w reads it.</summary>
    public static async Task<bool> IsPostmasterReadyAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"), cancellationToken);
            return lines.Length >= 8 && lines[7].Trim() == "ready";
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
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

    /// <summary>Asks epmd for the names it knows (NAMES_REQ): a bare connect-and-close makes it log an error each time.</summary>
    public static Task<bool> AnswersEpmdAsync(int port, CancellationToken cancellationToken) =>
        ExchangeAsync(port, [0, 1, 110], 4, _ => true, cancellationToken); // epmd's own port, then the names

    /// <summary>
    /// Sends the AMQP 0-9-1 protocol header and expects the method frame of Connection.Start (class 10, method 10):
    /// cheaper than "rabbitmqctl status", which boots an Erlang VM each time.
    /// </summary>
    public static Task<bool> AnswersAmqpAsync(int port, CancellationToken cancellationToken) =>
        ExchangeAsync(port, "AMQP\0\0\u0009\u0001"u8.ToArray(), 11, // type(1) channel(2) size(4) class(2) method(2)
            header => header[0] == 1 && header[7] == 0 && header[8] == 10 && header[9] == 0 && header[10] == 10, cancellationToken);

    private static async Task<bool> ExchangeAsync(int port, byte[] request, int answerBytes, Func<byte[], bool> isExpected, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(request, timeout.Token);
            var answer = new byte[answerBytes];
            await stream.ReadExactlyAsync(answer, timeout.Token);
            return isExpected(answer);
        }
        catch (Exception ex) when (ex is SocketException or IOException
                                   || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
