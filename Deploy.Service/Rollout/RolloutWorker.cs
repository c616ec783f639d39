using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Rollout;

/// <summary>
/// Runs rollouts and teardowns in the background, several deployments at once but never two runs for the same
/// deployment: a wake-up for a deployment that is already running is remembered and runs once the current run ends
/// (so an update during a rollout is picked up right after it). Rescans the database periodically for work it was
/// not told about, e.g. after a restart.
/// </summary>
public sealed class RolloutWorker(RolloutQueue queue, RolloutOrchestrator orchestrator, IServiceScopeFactory scopes,
    IOptions<DeployOptions> options, ILogger<RolloutWorker> logger) : BackgroundService
{
    private const int MaxParallel = 4;
    // Deployment id → "run again when done". Guarded by itself: checking and marking must be one step.
    private readonly Dictionary<Guid, bool> _running = new();
    private readonly SemaphoreSlim _slots = new(MaxParallel);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var endpointCleanup = CleanEndpointsAsync(stoppingToken);
        var rescan = RescanLoopAsync(stoppingToken);
        try
        {
            await foreach (var id in queue.Deployments.ReadAllAsync(stoppingToken))
            {
                lock (_running)
                {
                    if (_running.ContainsKey(id)) { _running[id] = true; continue; }
                    _running[id] = false;
                }
                await _slots.WaitAsync(stoppingToken);
                _ = RunAsync(id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(endpointCleanup, rescan);
    }

    private async Task RunAsync(Guid id, CancellationToken stoppingToken)
    {
        try
        {
            await orchestrator.RunAsync(id, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception ex)
        {
            logger.LogError(ex, "Rollout of deployment {Id} failed unexpectedly; the next rescan retries it", id);
        }
        finally
        {
            _slots.Release();
            bool again;
            lock (_running)
            {
                again = _running[id];
                _running.Remove(id);
            }
            if (again) queue.Enqueue(id);
        }
    }

    private async Task RescanLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RescanSeconds));
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
                var pending = await db.Deployments.AsNoTracking()
                    .Where(d => d.State == DeploymentStates.Deleting || d.Generation != d.RolledOutGeneration)
                    .Select(d => d.Id).ToListAsync(stoppingToken);
                // Running ones are marked to run again by the dispatcher, which re-checks the database then.
                foreach (var id in pending) queue.Enqueue(id);
                var deleting = await db.Endpoints.AsNoTracking().Where(e => e.ProvisioningState == "Deleting").Select(e => e.Name).ToListAsync(stoppingToken);
                foreach (var endpoint in deleting) queue.EnqueueEndpointCleanup(endpoint);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Rescanning for pending rollouts failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
    }

    private async Task CleanEndpointsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var endpoint in queue.Endpoints.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await RolloutOrchestrator.RemoveEndpointIfEmptyAsync(scope.ServiceProvider.GetRequiredService<DeployDbContext>(), endpoint, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Removing endpoint {Endpoint} failed; the next rescan retries", endpoint);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
