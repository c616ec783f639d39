using Contracts.Events;
using Deploy.Service.Health;
using MassTransit;

namespace Deploy.Service.Reconcile;

/// <summary>
/// A node registered or came back (Compute): the health watcher's round runs at once (its replicas serve again, or a
/// repair reloads what it lost), and what no deployment wants is dropped from it.
/// </summary>
public sealed class NodeRegisteredConsumer(ReplicaHealthWatcher watcher, NodeCleanup cleanup, ILogger<NodeRegisteredConsumer> logger)
    : IConsumer<NodeRegistered>
{
    public async Task Consume(ConsumeContext<NodeRegistered> context)
    {
        var node = context.Message;
        watcher.Wake();
        try
        {
            await cleanup.DropUnwantedAsync(node.NodeName, node.GrpcAddress, context.CancellationToken);
        }
        catch (Exception ex) when (ex is global::Grpc.Core.RpcException or HttpRequestException)
        {
            // The node went again, or does not answer yet: nothing to drop now (its next registration tries again).
            logger.LogInformation(ex, "Could not list the models of node {Node} to drop unwanted ones", node.NodeName);
        }
    }
}

/// <summary>A node's lease expired (Compute): the health watcher's round runs at once and moves its instances.</summary>
public sealed class NodeLostConsumer(ReplicaHealthWatcher watcher) : IConsumer<NodeLost>
{
    public Task Consume(ConsumeContext<NodeLost> context)
    {
        watcher.Wake();
        return Task.CompletedTask;
    }
}
