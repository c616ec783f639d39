using Contracts.Events;
using MassTransit;

namespace Deploy.Service.Routing;

/// <summary>
/// Publishes routing and state changes after their transaction commits. There is no transactional outbox here
/// (MassTransit.EntityFrameworkCore is absent), so a lost event is possible; the gateway recovers because
/// every event carries the routing version and GetRoutingTable always serves the full, current table.
/// </summary>
public sealed class RoutingEvents(IPublishEndpoint publish, ILogger<RoutingEvents> logger)
{
    public async Task RoutingChangedAsync(string endpoint, long version, CancellationToken cancellationToken = default)
    {
        try
        {
            await publish.Publish(new RoutingChanged(Guid.NewGuid(), endpoint, version, DateTimeOffset.UtcNow), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Publishing RoutingChanged {Endpoint} v{Version} failed; gateways catch up through GetRoutingTable", endpoint, version);
        }
    }

    public async Task StateChangedAsync(string endpoint, string deployment, string state, string? error, CancellationToken cancellationToken = default)
    {
        try
        {
            await publish.Publish(new DeploymentStateChanged(Guid.NewGuid(), endpoint, deployment, state, error, DateTimeOffset.UtcNow), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Publishing DeploymentStateChanged {Endpoint}/{Deployment} failed", endpoint, deployment);
        }
    }
}
