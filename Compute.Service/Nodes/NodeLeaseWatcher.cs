using Compute.Service.Application;
using Compute.Service.Infrastructure;
using Contracts.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Nodes;

/// <summary>
/// Announces changes of the nodes on the bus (through the transactional outbox), so Deploy's reconciler acts at once
/// rather than at its next probe round: <see cref="NodeRegistered"/> when a node registers (or registers again after a
/// restart: its registration time changes) or heartbeats again after its lease expired, <see cref="NodeLost"/> when its
/// lease expires. A node's health is a matter of time (<see cref="CapacityLedger.IsHealthy"/>), not of a stored
/// state, so a sweep every second compares it with what was announced. What was announced is kept in memory: after a
/// restart of this service every node is announced once more, which consumers take as what it is (a repeat).
/// </summary>
public sealed class NodeLeaseWatcher(IServiceScopeFactory scopes, OutboxSignal outbox, IOptions<ComputeOptions> options, TimeProvider clock,
    ILogger<NodeLeaseWatcher> logger) : BackgroundService
{
    // Node name → (registered at, lost announced).
    private readonly Dictionary<string, (DateTimeOffset RegisteredAt, bool Lost)> _announced = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Sweeping the node leases failed; the next sweep tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var nodes = await db.Nodes.AsNoTracking().ToListAsync(ct);
        var now = clock.GetUtcNow();
        var changes = new Dictionary<string, (DateTimeOffset, bool)>();
        foreach (var node in nodes)
        {
            var healthy = CapacityLedger.IsHealthy(node, now, options.Value.Lease);
            var known = _announced.TryGetValue(node.Name, out var before);
            var id = Guid.NewGuid();
            if (healthy && (!known || before.RegisteredAt != node.RegisteredAt || before.Lost))
                db.AddOutboxEvent(id, new NodeRegistered(id, node.Name, node.HttpAddress, node.GrpcAddress, Returned: known && before.Lost && before.RegisteredAt == node.RegisteredAt, now), now);
            else if (!healthy && (!known || !before.Lost))
                db.AddOutboxEvent(id, new NodeLost(id, node.Name, node.LastHeartbeatAt, now), now);
            else continue;
            changes[node.Name] = (node.RegisteredAt, !healthy);
        }
        foreach (var gone in _announced.Keys.Where(name => nodes.All(n => n.Name != name)).ToList()) _announced.Remove(gone);
        if (changes.Count == 0) return;
        await db.SaveChangesAsync(ct);
        foreach (var (name, state) in changes) _announced[name] = state;
        outbox.Notify();
    }
}
