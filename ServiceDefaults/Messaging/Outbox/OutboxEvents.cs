using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace ServiceDefaults.Messaging.Outbox;

/// <summary>The event types a service's outbox may carry, registered with AddOutbox; stored by their type name.</summary>
public sealed class OutboxEventTypes
{
    private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);

    public OutboxEventTypes Add<TEvent>() where TEvent : class
    {
        _types[NameOf(typeof(TEvent))] = typeof(TEvent);
        return this;
    }

    public IReadOnlyCollection<Type> All => _types.Values;

    public Type? Find(string name) => _types.GetValueOrDefault(name);

    public static string NameOf(Type type) => type.Name;
}

public static class OutboxEvents
{
    /// <summary>
    /// Adds <paramref name="event"/> to the context's pending changes, so it commits (or rolls back) with them: call it
    /// inside the transaction of the change it reports, before SaveChanges. After the commit, <see cref="OutboxSignal.Notify"/>
    /// sends it at once instead of at the relay's next poll.
    /// </summary>
    public static OutboxMessage AddOutboxEvent<TEvent>(this DbContext db, Guid eventId, TEvent @event, DateTimeOffset occurredAt)
        where TEvent : class
    {
        var message = new OutboxMessage
        {
            Id = eventId,
            Type = OutboxEventTypes.NameOf(typeof(TEvent)),
            Payload = JsonSerializer.Serialize(@event),
            OccurredAt = occurredAt,
        };
        db.Set<OutboxMessage>().Add(message);
        return message;
    }

    /// <summary>The event a row carries, or null with the reason when it cannot be read back.</summary>
    public static (object? Event, Type? Type, string? Error) Deserialize(OutboxMessage message, OutboxEventTypes types)
    {
        if (types.Find(message.Type) is not { } type) return (null, null, $"'{message.Type}' is not an event type this service's outbox carries");
        try
        {
            return JsonSerializer.Deserialize(message.Payload, type) is { } @event ? (@event, type, null) : (null, null, "the payload is null");
        }
        catch (JsonException ex)
        {
            return (null, null, $"the payload is not a {message.Type}: {ex.Message}");
        }
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

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
