using AppHost.Hosting;
using AppHost.Resources;

namespace AppHost.Orchestration;

/// <summary>Runs one instance: starts its process, tells whether it is healthy, stops it. The orchestrator supervises.</summary>
internal abstract class ResourceRunner(ResourceInstance instance, ProcessLog log)
{
    private readonly List<int> _processGroups = [];
    private volatile ResourceState _state = ResourceState.Waiting;

    public ResourceInstance Instance { get; } = instance;

    public ProcessLog Log { get; } = log;

    public ResourceState State
    {
        get => _state;
        set => _state = value;
    }

    public int Restarts { get; set; }

    public int? ExitCode { get; protected set; }

    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>Servers are essential: if one cannot start, the platform cannot run and the AppHost stops with its error.</summary>
    public virtual bool IsEssential => false;

    /// <summary>How often health is checked once healthy.</summary>
    public virtual TimeSpan HealthInterval => TimeSpan.FromSeconds(2);

    public abstract ManagedProcess? Process { get; }

    /// <summary>Every process group this instance has had (one per start), for checking that none survives.</summary>
    public IReadOnlyList<int> ProcessGroups
    {
        get { lock (_processGroups) return [.. _processGroups]; }
    }

    /// <summary>Starts the process; returns once it is started (for servers: once they are ready).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ExitCode = null;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            if (Process is { } process) lock (_processGroups) if (!_processGroups.Contains(process.Pid)) _processGroups.Add(process.Pid);
        }
    }

    protected abstract Task StartCoreAsync(CancellationToken cancellationToken);

    public abstract Task<bool> IsHealthyAsync(CancellationToken cancellationToken);

    public async Task StopAsync()
    {
        await StopCoreAsync();
        if (Process is { HasExited: true } process) ExitCode = await process.Exited;
    }

    protected abstract Task StopCoreAsync();

    /// <summary>Completes when the running process exits (never, when none runs).</summary>
    public Task<int> ExitedAsync() => Process?.Exited ?? new TaskCompletionSource<int>().Task;

    public void RecordExit(int code) => ExitCode = code;
}
