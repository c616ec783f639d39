namespace Registry.Service.Environments;

/// <summary>
/// Wakes the builder when a build is queued. The queue itself is the database's Queued rows (so nothing queued is
/// lost in a restart); its bound is <see cref="EnvironmentOptions.MaxQueuedBuilds"/>, enforced at registration.
/// </summary>
public sealed class EnvironmentBuildQueue
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Signal()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
