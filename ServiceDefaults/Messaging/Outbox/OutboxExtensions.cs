using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Messaging.Outbox;

/// <summary>
/// The one transactional outbox of the platform (MassTransit.EntityFrameworkCore is absent here). A service:
/// <list type="number">
/// <item>maps the table in its DbContext (<c>modelBuilder.ConfigureOutbox()</c>) and creates it in a hand-written
/// migration (<see cref="OutboxSchema.CreateTableSql"/>);</item>
/// <item>calls <c>builder.AddOutbox&lt;TDbContext&gt;(events =&gt; events.Add&lt;SomethingHappened&gt;())</c> next to AddServiceBus;</item>
/// <item>adds each event with <c>db.AddOutboxEvent(…)</c> inside the transaction of the change, and calls
/// <see cref="OutboxSignal.Notify"/> after the commit.</item>
/// </list>
/// An event is then published exactly when its transaction commits (never when it rolls back), even if the broker
/// or the service was down at that moment.
/// </summary>
public static class OutboxExtensions
{
    public static IHostApplicationBuilder AddOutbox<TDbContext>(this IHostApplicationBuilder builder, Action<OutboxEventTypes> events)
        where TDbContext : DbContext
    {
        var types = new OutboxEventTypes();
        events(types);
        if (types.All.Count == 0) throw new ArgumentException("An outbox needs at least one event type.", nameof(events));
        builder.Services.AddSingleton(types);
        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.AddOptions<OutboxOptions>()
            .Bind(builder.Configuration.GetSection(OutboxOptions.Section))
            .Validate(o => o.PollSeconds > 0 && o.BatchSize > 0 && o.PublishTimeoutSeconds > 0 && o.MaxBackoffSeconds > 0 && o.SentRetentionDays > 0,
                "Outbox: PollSeconds, BatchSize, PublishTimeoutSeconds, MaxBackoffSeconds and SentRetentionDays must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxRelay<TDbContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay<TDbContext>>());
        return builder;
    }
}
