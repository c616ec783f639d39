using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost;

/// <summary>
/// A service (or one inference replica) that dies on its own is started again, as Kubernetes' restart policy would:
/// DCP has no restart policy for executables, and a platform that stays down after one crash loses its users.
/// Waits 1 s, then doubles up to <see cref="MaxDelay"/> while it keeps crashing; a run of
/// <see cref="HealthyRun"/> resets the wait. A stop the operator asked for (the dashboard's Stop goes through
/// <c>Stopping</c>) and the app's own shutdown are left alone.
/// </summary>
internal sealed class CrashedServiceRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    ILogger<CrashedServiceRestarter> logger) : ResourceEventWatcher(notifications, lifetime)
{
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, Replica> _replicas = [];

    protected override Task<bool> OnEventAsync(ResourceEvent e, CancellationToken stopping)
    {
        if (e.Resource is not ProjectResource) return Task.FromResult(true);
        var replica = _replicas.TryGetValue(e.ResourceId, out var known) ? known : _replicas[e.ResourceId] = new Replica();
        var state = e.Snapshot.State?.Text;
        var previous = replica.State;
        replica.State = state;
        if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
            replica.RunningSince = DateTime.UtcNow;
        if (!Crashed(previous, state, e.Snapshot.ExitCode)) return Task.FromResult(true);

        replica.Crashes = DateTime.UtcNow - replica.RunningSince >= HealthyRun ? 1 : replica.Crashes + 1;
        var delay = RestartDelay(replica.Crashes);
        logger.LogWarning("{Resource} exited on its own (exit code {ExitCode}); starting it again in {Delay} s (crash {Count} in a row)",
            e.ResourceId, e.Snapshot.ExitCode, delay.TotalSeconds, replica.Crashes);
        _ = RestartAsync(e.ResourceId, delay, stopping);
        return Task.FromResult(true);
    }

    private async Task RestartAsync(string resourceId, TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
            if (!result.Success) logger.LogError("{Resource} could not be started again: {Error}", resourceId, result.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Running (or starting) straight to an end with a failing exit code: not a stop anybody asked for.</summary>
    internal static bool Crashed(string? previous, string? state, int? exitCode) =>
        (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished)
        && previous != KnownResourceStates.Stopping && previous != state
        && exitCode is not null and not 0;

    internal static TimeSpan RestartDelay(int crashesInARow) =>
        TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Clamp(crashesInARow - 1, 0, 10))));

    private sealed class Replica
    {
        public string? State { get; set; }
        public DateTime RunningSince { get; set; } = DateTime.UtcNow;
        public int Crashes { get; set; }
    }
}
