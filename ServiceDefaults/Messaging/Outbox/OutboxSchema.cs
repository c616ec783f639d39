using Microsoft.EntityFrameworkCore;

namespace ServiceDefaults.Messaging.Outbox;

/// <summary>
/// The outbox table, the same in every service's database: <see cref="ConfigureOutbox"/> maps it in a DbContext's
/// model (each service's generated baseline migration creates it from there). <see cref="CreateTableSql"/> is what the
/// hand-written migrations of before the baseline ran: the services' legacy upgrade paths still apply it.
/// </summary>
public static class OutboxSchema
{
    public const string Table = "outbox_messages";

    public const string CreateTableSql = """
        CREATE TABLE outbox_messages (
            id          uuid         PRIMARY KEY,
            type        varchar(200) NOT NULL,
            payload     jsonb        NOT NULL,
            occurred_at timestamptz  NOT NULL,
            sent_at     timestamptz,
            attempts    integer      NOT NULL DEFAULT 0,
            last_error  text
        );
        CREATE INDEX ix_outbox_messages_unsent ON outbox_messages (occurred_at) WHERE sent_at IS NULL;
        """;

    public const string DropTableSql = "DROP TABLE outbox_messages;";

    /// <summary>Maps <see cref="OutboxMessage"/> onto the table <see cref="CreateTableSql"/> creates. Call from OnModelCreating.</summary>
    public static ModelBuilder ConfigureOutbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            // Names are spelled out: the table is the same whatever naming the service's model uses.
            e.ToTable(Table);
            e.HasKey(m => m.Id).HasName("pk_outbox_messages");
            e.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(m => m.Type).HasColumnName("type").HasMaxLength(200);
            e.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            e.Property(m => m.OccurredAt).HasColumnName("occurred_at");
            e.Property(m => m.SentAt).HasColumnName("sent_at");
            e.Property(m => m.Attempts).HasColumnName("attempts").HasDefaultValue(0);
            e.Property(m => m.LastError).HasColumnName("last_error");
            // What the relay polls for.
            e.HasIndex(m => m.OccurredAt).HasDatabaseName("ix_outbox_messages_unsent").HasFilter("sent_at IS NULL");
        });
        return modelBuilder;
    }
}
