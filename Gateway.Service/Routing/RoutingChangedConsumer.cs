using Contracts.Events;
using MassTransit;

namespace Gateway.Service.Routing;

/// <summary>A routing change newer than our snapshot triggers a full-table fetch (events carry only the version).</summary>
public sealed class RoutingChangedConsumer(RoutingTableCache cache, RoutingRefreshSignal signal, ILogger<RoutingChangedConsumer> logger)
    : IConsumer<RoutingChanged>
{
    public Task Consume(ConsumeContext<RoutingChanged> context)
    {
        var message = context.Message;
        if (message.RoutingVersion > cache.Current.Version || !cache.IsLoaded)
        {
            logger.LogDebug("Routing of {Endpoint} changed (version {Version}); refreshing", message.Endpoint, message.RoutingVersion);
            signal.Request(message.RoutingVersion);
        }
        return Task.CompletedTask;
    }
}
