using Contracts.Events;
using Deploy.Service.Infrastructure;
using ServiceDefaults.Messaging.Outbox;

namespace Deploy.Service.Routing;

/// <summary>
/// Routing and state changes as events, through the shared transactional outbox: they are written in the transaction
/// of the change they report (call these inside it, on the scope's <see cref="DeployDbContext"/>), so an event goes out
/// exactly when its change commits, and still goes out if the broker was down then. <see cref="Committed"/> after the
/// commit sends them at once instead of at the relay's next poll.
/// </summary>
public sealed class RoutingEvents(DeployDbContext db, OutboxSignal outbox)
{
    /// <summary>
    /// Takes the next routing version (the row lock orders every routing change) and adds RoutingChanged carrying it;
    /// saves the context's pending changes. Returns the version.
    /// </summary>
    public async Task<long> RoutingChangedAsync(string endpoint, CancellationToken cancellationToken)
    {
        var version = await db.BumpRoutingVersionAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        db.AddOutboxEvent(id, new RoutingChanged(id, endpoint, version, now), now);
        await db.SaveChangesAsync(cancellationToken);
        return version;
    }

    /// <summary>Adds DeploymentStateChanged to the context's pending changes (the next SaveChanges in the transaction stores it).</summary>
    public void StateChanged(string endpoint, string deployment, string state, string? error)
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        db.AddOutboxEvent(id, new DeploymentStateChanged(id, endpoint, deployment, state, error, now), now);
    }

    /// <summary>After the commit: wakes the relay.</summary>
    public void Committed() => outbox.Notify();
}
