using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Routing;

/// <summary>
/// Keeps the routing cache fresh: a full fetch at start (retrying until Deploy answers), on each RoutingChanged
/// newer than the snapshot, and periodically so a missed event heals by itself. After each fetch, endpoints
/// with key auth get their keys (created the first time the gateway sees them).
/// </summary>
public sealed class RoutingTableRefresher(
    IRoutingTableSource source,
    RoutingTableCache cache,
    RoutingRefreshSignal signal,
    EndpointKeyStore keys,
    IOptions<GatewayOptions> options,
    ILogger<RoutingTableRefresher> logger) : BackgroundService
{
    // Completed by the end of the first refresh that starts after it was handed out (swapped at each start).
    private TaskCompletionSource _nextRefresh = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Asks for a fetch now and waits until one that started after this call has finished: after a control-plane
    /// write, the caller's next scoring request sees what it just created (no 401 for a new endpoint in between).
    /// </summary>
    public Task RefreshNowAsync(CancellationToken cancellationToken)
    {
        var refreshed = Volatile.Read(ref _nextRefresh).Task;
        signal.Request(long.MaxValue);
        return refreshed.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The endpoint as a fresh table has it, for a request about to be refused 503 from the table in memory
    /// (<see cref="GatewayOptions.RoutingRecheckAge"/> says why); null when the table is that fresh already, no fetch
    /// finished within 2 s, or the endpoint is gone.
    /// </summary>
    public async Task<EndpointRoute?> RecheckAsync(string endpointName, CancellationToken cancellationToken)
    {
        if (cache.LoadedAt is { } loadedAt && DateTimeOffset.UtcNow - loadedAt < options.Value.RoutingRecheckAge) return null;
        try
        {
            await RefreshNowAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
        return cache.Current.Find(endpointName);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            var refreshing = Interlocked.Exchange(ref _nextRefresh, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                await RefreshAsync(stoppingToken);
                refreshing.TrySetResult();
                failures = 0;
                wait = options.Value.RoutingRefreshInterval;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                refreshing.TrySetResult();
                failures++;
                // Not loaded yet: retry soon, Deploy may still be starting. Loaded: keep serving the old table.
                wait = TimeSpan.FromSeconds(Math.Min(failures, 5));
                if (failures == 1 || failures % 10 == 0)
                    logger.LogWarning(ex, "Fetching the routing table failed ({Failures} in a row); serving version {Version}", failures, cache.Current.Version);
            }
            try
            {
                await signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var fetchStarted = DateTimeOffset.UtcNow;
        var snapshot = await source.FetchAsync(cancellationToken);
        if (cache.Replace(snapshot))
            logger.LogDebug("Routing table version {Version} with {Count} endpoints", snapshot.Version, snapshot.Endpoints.Count);
        await keys.SyncAsync(cache.Current, fetchStarted, cancellationToken);
    }
}
