using System.Text.Json;
using Contracts.Events;
using Registry.Service.Infrastructure;

namespace Registry.Service.Outbox;

/// <summary>The events the registry publishes, and how they go into and come out of the outbox table.</summary>
public static class OutboxEvents
{
    private static readonly Dictionary<string, Type> Types = new()
    {
        [nameof(ModelRegistered)] = typeof(ModelRegistered),
        [nameof(ModelDeleted)] = typeof(ModelDeleted),
    };

    /// <summary>Adds the event to the context's pending changes, so it commits (or rolls back) with them.</summary>
    public static void Enqueue<TEvent>(this RegistryDbContext db, Guid eventId, TEvent @event, DateTimeOffset occurredAt)
        where TEvent : class
    {
        if (!Types.ContainsKey(typeof(TEvent).Name)) throw new ArgumentException($"{typeof(TEvent).Name} is not an outbox event.");
        db.OutboxMessages.Add(new OutboxMessage
        {
            Id = eventId,
            Type = typeof(TEvent).Name,
            Payload = JsonSerializer.Serialize(@event),
            OccurredAt = occurredAt,
        });
    }

    public static (object Event, Type Type) Deserialize(OutboxMessage message)
    {
        var type = Types.GetValueOrDefault(message.Type) ?? throw new InvalidOperationException($"Unknown outbox event type '{message.Type}'.");
        return (JsonSerializer.Deserialize(message.Payload, type)!, type);
    }
}

/// <summary>Wakes the relay when a transaction has just committed an event, so events go out at once rather than at the next poll.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
