using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServiceDefaults.Messaging.Outbox;

namespace ServiceDefaults.Tests.Outbox;

public sealed record SomethingHappened(Guid EventId, string What, int Count, DateTimeOffset OccurredAt);

public sealed record NotRegistered(Guid EventId);

public sealed class OutboxTestContext(DbContextOptions<OutboxTestContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ConfigureOutbox();
}

/// <summary>The shared outbox's parts that need no server: rows in, events out, the table mapping, the registration.</summary>
public sealed class OutboxTests
{
    private static OutboxTestContext Context() =>
        new(new DbContextOptionsBuilder<OutboxTestContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);

    private static readonly OutboxEventTypes Types = new OutboxEventTypes().Add<SomethingHappened>();

    [Fact]
    public void An_added_event_is_a_pending_row_that_reads_back_as_the_same_event()
    {
        using var db = Context();
        var id = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
        var message = db.AddOutboxEvent(id, new SomethingHappened(id, "deployed", 3, at), at);

        Assert.Equal(EntityState.Added, db.Entry(message).State);
        Assert.Equal(id, message.Id);
        Assert.Equal(nameof(SomethingHappened), message.Type);
        Assert.Null(message.SentAt);
        var (@event, type, error) = OutboxEvents.Deserialize(message, Types);
        Assert.Null(error);
        Assert.Equal(typeof(SomethingHappened), type);
        Assert.Equal(new SomethingHappened(id, "deployed", 3, at), @event);
    }

    [Fact]
    public void A_row_of_an_unregistered_type_or_a_broken_payload_is_reported_not_thrown()
    {
        using var db = Context();
        var unknown = db.AddOutboxEvent(Guid.NewGuid(), new NotRegistered(Guid.NewGuid()), DateTimeOffset.UtcNow);
        Assert.Contains("NotRegistered", OutboxEvents.Deserialize(unknown, Types).Error);

        var broken = new OutboxMessage { Id = Guid.NewGuid(), Type = nameof(SomethingHappened), Payload = "{not json" };
        Assert.Contains("not a SomethingHappened", OutboxEvents.Deserialize(broken, Types).Error);
    }

    [Fact]
    public void The_mapping_matches_the_table_the_migrations_create()
    {
        using var db = Context();
        var entity = db.Model.FindEntityType(typeof(OutboxMessage))!;
        Assert.Equal(OutboxSchema.Table, entity.GetTableName());
        var columns = entity.GetProperties().ToDictionary(p => p.Name, p => p.GetColumnName());
        Assert.Equal("id", columns[nameof(OutboxMessage.Id)]);
        Assert.Equal("occurred_at", columns[nameof(OutboxMessage.OccurredAt)]);
        Assert.Equal("sent_at", columns[nameof(OutboxMessage.SentAt)]);
        Assert.Equal("last_error", columns[nameof(OutboxMessage.LastError)]);
        foreach (var column in columns.Values) Assert.Contains($"{column} ", OutboxSchema.CreateTableSql);
        Assert.Equal("jsonb", entity.FindProperty(nameof(OutboxMessage.Payload))!.GetColumnType());
    }

    [Fact]
    public void AddOutbox_registers_one_relay_its_signal_and_its_settings()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Outbox:PollSeconds"] = "0.5";
        builder.AddOutbox<OutboxTestContext>(events => events.Add<SomethingHappened>());
        using var services = builder.Services.BuildServiceProvider();

        Assert.Single(services.GetServices<IHostedService>().OfType<OutboxRelay<OutboxTestContext>>());
        Assert.Same(services.GetRequiredService<OutboxSignal>(), services.GetRequiredService<OutboxSignal>());
        Assert.Equal(0.5, services.GetRequiredService<IOptions<OutboxOptions>>().Value.PollSeconds);
        Assert.Equal(typeof(SomethingHappened), services.GetRequiredService<OutboxEventTypes>().Find(nameof(SomethingHappened)));
        Assert.Throws<ArgumentException>(() => Host.CreateApplicationBuilder().AddOutbox<OutboxTestContext>(_ => { }));
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Outbox:BatchSize"] = "0";
        builder.AddOutbox<OutboxTestContext>(events => events.Add<SomethingHappened>());
        using var services = builder.Services.BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OutboxOptions>>().Value);
    }

    [Fact]
    public async Task The_signal_wakes_one_waiter_and_remembers_a_notification_given_before_the_wait()
    {
        var signal = new OutboxSignal();
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None));
        signal.Notify();
        signal.Notify();
        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None));
    }
}
