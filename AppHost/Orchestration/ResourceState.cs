namespace AppHost.Orchestration;

/// <summary>What the dashboard shows for a resource.</summary>
public enum ResourceState
{
    /// <summary>Waiting for what it depends on.</summary>
    Waiting,
    /// <summary>Process started, not healthy yet.</summary>
    Starting,
    /// <summary>Healthy.</summary>
    Running,
    /// <summary>Was healthy, its health check fails now.</summary>
    Unhealthy,
    /// <summary>Crashed; started again after a backoff.</summary>
    Restarting,
    /// <summary>Stopping on shutdown.</summary>
    Stopping,
    /// <summary>Not running: stopped, or failed to start.</summary>
    Exited,
}
