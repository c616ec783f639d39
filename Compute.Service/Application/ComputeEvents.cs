using Compute.Service.Infrastructure;
using Contracts.Events;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Application;

/// <summary>
/// <see cref="ComputeTargetChanged"/> through the shared transactional outbox: <see cref="Changed"/> adds the event to
/// the transaction of the change it reports (it is published exactly when that commits, even if the broker was down
/// then); <see cref="Committed"/> after the commit sends it at once instead of at the relay's next poll.
/// </summary>
public sealed class ComputeEvents(OutboxSignal outbox, TimeProvider clock)
{
    /// <summary>Adds the event to <paramref name="db"/>'s pending changes; the next SaveChanges in the transaction stores it.</summary>
    public void Changed(ComputeDbContext db, string name, string type, string state, string? error)
    {
        var now = clock.GetUtcNow();
        var id = Guid.NewGuid();
        db.AddOutboxEvent(id, new ComputeTargetChanged(id, name, type, state, error, now), now);
    }

    public void Committed() => outbox.Notify();
}
