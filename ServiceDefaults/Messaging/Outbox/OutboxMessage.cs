namespace ServiceDefaults.Messaging.Outbox;

/// <summary>An event written in the same transaction as the change it reports, published later by <see cref="OutboxRelay{TDbContext}"/>.</summary>
public sealed class OutboxMessage
{
    /// <summary>The event's EventId, also used as the bus MessageId so consumers can drop redeliveries.</summary>
    public Guid Id { get; set; }

    /// <summary>The event type's name (e.g. "RoutingChanged"), one of those the service registered with AddOutbox.</summary>
    public required string Type { get; set; }

    /// <summary>The event as JSON.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>When the relay published it; null while it waits.</summary>
    public DateTimeOffset? SentAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Set only for a row that can never be published (unknown type, unreadable payload): the relay skips it from then on.</summary>
    public string? LastError { get; set; }
}
