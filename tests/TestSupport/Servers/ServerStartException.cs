namespace TestSupport.Servers;

/// <summary>A server (PostgreSQL, RabbitMQ) that did not come up: says which, why, and where its log is.</summary>
internal sealed class ServerStartException(string server, string reason, string? logPath, IReadOnlyList<LogLine> lastLines)
    : Exception(Describe(server, reason, logPath, lastLines))
{
    public string Server { get; } = server;

    public string? LogPath { get; } = logPath;

    private static string Describe(string server, string reason, string? logPath, IReadOnlyList<LogLine> lastLines)
    {
        var message = $"{server} failed to start: {reason}. Its log: {logPath ?? "(none)"}";
        if (lastLines.Count == 0) return message;
        return message + Environment.NewLine + "Last lines:" + Environment.NewLine +
               string.Join(Environment.NewLine, lastLines.Select(l => "  " + l.Text));
    }
}
