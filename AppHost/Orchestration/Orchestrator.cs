using AppHost.Hosting;
using AppHost.Resources;
using Microsoft.Extensions.Hosting;

namespace AppHost.Orchestration;

/// <summary>
/// Starts every instance once what it depends on is healthy, watches health, restarts crashed instances with
/// backoff, and on shutdown stops everything in reverse start order. A server that cannot start stops the AppHost
/// with that server's error (exit code 1).
/// </summary>
internal sealed class Orchestrator : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan HealthPollWhileStarting = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly ApplicationModel _model;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<Resource, TaskCompletionSource> _firstHealthy = [];
    private readonly TaskCompletionSource _allHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly List<Task> _supervisors = [];
    private int _stopped;
    private volatile bool _stopCompleted;

    private readonly ProcessLedger _ledger;

    public Orchestrator(ApplicationModel model, AppHostOptions options, IHostApplicationLifetime lifetime, ProcessLedger ledger)
    {
        _model = model;
        _ledger = ledger;
        _lifetime = lifetime;
        var logs = Path.Combine(options.DataRoot, "logs");
        Runners = model.Instances.Select(instance =>
        {
            var log = new ProcessLog(instance.Name, Path.Combine(logs, instance.Name + ".log"), echoToConsole: !options.Quiet);
            return instance.Resource switch
            {
                PostgresServerResource => (ResourceRunner)new PostgresRunner(instance, log),
                RabbitMQServerResource => new RabbitMqRunner(instance, log),
                ProjectResource => new ProjectRunner(instance, log, _http),
                _ => throw new NotSupportedException($"No runner for {instance.Resource.GetType().Name}."),
            };
        }).ToList();
        foreach (var resource in model.StartOrder) _firstHealthy[resource] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // A resource scaled to no instances (--inference-nodes 0) has nothing to wait for: neither its dependents nor "all healthy".
        foreach (var resource in model.StartOrder.Where(r => !Runners.Any(runner => runner.Instance.Resource == r))) _firstHealthy[resource].TrySetResult();
    }

    public IReadOnlyList<ResourceRunner> Runners { get; }

    /// <summary>Completes the first time every instance is healthy.</summary>
    public Task AllHealthy => _allHealthy.Task;

    /// <summary>Set when a server could not start; the AppHost exits with it.</summary>
    public Exception? FatalError { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        AppDomain.CurrentDomain.ProcessExit += KillEverythingLeft;
        ManagedProcess.Started += _ledger.Record;
        foreach (var runner in Runners) _supervisors.Add(Task.Run(() => SuperviseAsync(runner, _stopping.Token), CancellationToken.None));
        _ = Task.WhenAll(_firstHealthy.Values.Select(t => t.Task)).ContinueWith(_ => _allHealthy.TrySetResult(), TaskScheduler.Default);
        if (Runners.Count == 0) _allHealthy.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Stops every instance in reverse start order and returns when no process of ours is left.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        Say("stopping");
        await _stopping.CancelAsync();
        await Task.WhenAll(_supervisors);
        foreach (var runner in Runners.Reverse())
        {
            if (runner.Process is null) continue;
            runner.State = ResourceState.Stopping;
            try
            {
                await runner.StopAsync();
            }
            catch (Exception ex)
            {
                runner.Log.Append($"stopping failed: {ex.Message}", isError: true);
                if (runner.Process is { } process) process.SignalGroup(Posix.SIGKILL);
            }
            runner.State = ResourceState.Exited;
        }
        _stopCompleted = true;
        if (Runners.All(r => r.Process is null || r.Process.LiveProcesses().Count == 0)) _ledger.Clear();
        Say("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillEverythingLeft;
        ManagedProcess.Started -= _ledger.Record;
        _http.Dispose();
        foreach (var runner in Runners) runner.Log.Dispose();
        _stopping.Dispose();
        await Task.CompletedTask;
    }

    private async Task SuperviseAsync(ResourceRunner runner, CancellationToken stopping)
    {
        var resource = runner.Instance.Resource;
        try
        {
            runner.State = ResourceState.Waiting;
            foreach (var dependency in _model.Dependencies[resource])
                await _firstHealthy[dependency].Task.WaitAsync(stopping);

            for (var failures = 0; !stopping.IsCancellationRequested;)
            {
                runner.State = ResourceState.Starting;
                try
                {
                    await runner.StartAsync(stopping);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    runner.Log.Append(ex.Message, isError: true);
                    if (runner.IsEssential && runner.Restarts == 0)
                    {
                        Fail(runner, ex);
                        return;
                    }
                }

                if (runner.Process is { HasExited: false } && await WatchAsync(runner, stopping)) failures = 0;
                if (stopping.IsCancellationRequested) return;

                runner.RecordExit(runner.Process is { HasExited: true } p ? await p.Exited : -1);
                runner.State = ResourceState.Restarting;
                runner.Restarts++;
                var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, failures++)));
                runner.Log.Append($"exited with code {runner.ExitCode}; restart {runner.Restarts} in {backoff.TotalSeconds:0}s", isError: true);
                if (runner.Process is { } previous) await previous.StopAsync(TimeSpan.FromSeconds(5)); // whatever it forked goes too
                await Task.Delay(backoff, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Polls health until the process exits; returns whether it was healthy at some point.</summary>
    private async Task<bool> WatchAsync(ResourceRunner runner, CancellationToken stopping)
    {
        var wasHealthy = false;
        var exited = runner.ExitedAsync();
        while (!exited.IsCompleted && !stopping.IsCancellationRequested)
        {
            var healthy = await runner.IsHealthyAsync(stopping);
            if (exited.IsCompleted) break;
            if (healthy)
            {
                if (runner.State != ResourceState.Running) runner.Log.Append("healthy");
                runner.State = ResourceState.Running;
                wasHealthy = true;
                if (Runners.Where(r => r.Instance.Resource == runner.Instance.Resource).All(r => r.State == ResourceState.Running))
                    _firstHealthy[runner.Instance.Resource].TrySetResult();
            }
            else if (runner.State == ResourceState.Running)
            {
                runner.Log.Append("health check failing", isError: true);
                runner.State = ResourceState.Unhealthy;
            }
            await Task.WhenAny(exited, Task.Delay(wasHealthy ? runner.HealthInterval : HealthPollWhileStarting, stopping));
        }
        return wasHealthy;
    }

    private void Fail(ResourceRunner runner, Exception error)
    {
        runner.State = ResourceState.Exited;
        FatalError ??= error;
        Console.Error.WriteLine($"error: {error.Message}");
        Environment.ExitCode = 1;
        _allHealthy.TrySetException(error);
        _lifetime.StopApplication();
    }

    /// <summary>Last resort when the AppHost exits without a clean stop: no child may outlive it.</summary>
    private void KillEverythingLeft(object? sender, EventArgs e)
    {
        if (_stopCompleted) return; // a clean stop left nothing, and a group id may have been reused since
        foreach (var runner in Runners)
            foreach (var group in runner.ProcessGroups)
                Posix.SignalGroup(group, Posix.SIGKILL);
    }

    private static void Say(string message) => Console.Out.WriteLine($"[apphost] {message}");
}
