using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Rollout;

/// <summary>
/// The per-deployment log users read with GET …/logs: rollout steps, node load errors, warm-up results.
/// Written in its own scope so a line survives whatever happens to the caller's unit of work.
/// </summary>
public sealed class DeploymentLog(IServiceScopeFactory scopes, ILogger<DeploymentLog> logger)
{
    public const int MaxTail = 10_000;

    public async Task WriteAsync(string endpoint, string deployment, string level, string message, CancellationToken cancellationToken = default)
    {
        logger.Log(level == "error" ? LogLevel.Warning : LogLevel.Information, "{Endpoint}/{Deployment}: {Message}", endpoint, deployment, message);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
            db.DeploymentLogs.Add(new DeploymentLogEntry
            {
                EndpointName = endpoint, DeploymentName = deployment, At = DateTimeOffset.UtcNow, Level = level, Message = message,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not store a log line of {Endpoint}/{Deployment}", endpoint, deployment);
        }
    }

    public static async Task<IReadOnlyList<string>> TailAsync(DeployDbContext db, string endpoint, string deployment, int tail, CancellationToken cancellationToken)
    {
        var lines = await db.DeploymentLogs.AsNoTracking()
            .Where(l => l.EndpointName == endpoint && l.DeploymentName == deployment)
            .OrderByDescending(l => l.Id).Take(tail)
            .ToListAsync(cancellationToken);
        lines.Reverse();
        return lines.Select(l => $"{l.At.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} {l.Level.ToUpperInvariant(),-5} {l.Message}").ToList();
    }
}
