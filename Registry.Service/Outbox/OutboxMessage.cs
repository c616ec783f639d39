namespace Registry.Service.Outbox;

/// <summary>An event written in the same transaction as the change it reports, published later by <see cref="OutboxRelay"/>.</summary>
public sealed class OutboxMessage
{
    /// <summary>The event's EventId, also used as the bus MessageId so consumers can drop redeliveries.</summary>
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}
