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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await RefreshAsync(stoppingToken);
                failures = 0;
                wait = options.Value.RoutingRefreshInterval;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
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
