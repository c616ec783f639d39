using MassTransit;
using Microsoft.EntityFrameworkCore;
using Registry.Service.Infrastructure;

namespace Registry.Service.Outbox;

/// <summary>
/// Publishes committed outbox rows to the bus and marks them sent. At least once: a crash between publishing and
/// marking republishes the event, with the same MessageId (= EventId), so consumers dedupe on it. Rows are claimed with
/// FOR UPDATE SKIP LOCKED, so several registry instances can relay side by side without sending a row twice at once.
/// </summary>
public sealed class OutboxRelay(IServiceScopeFactory scopes, OutboxSignal signal, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 50;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    // Sent rows are kept a while for inspection, then purged so the table stays small.
    private static readonly TimeSpan SentRetention = TimeSpan.FromDays(7);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);
    private DateTime _nextPurge = DateTime.UtcNow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await RelayBatchAsync(stoppingToken);
                failures = 0;
                if (DateTime.UtcNow >= _nextPurge) await PurgeSentAsync(stoppingToken);
                if (sent == BatchSize) continue; // more may be waiting
                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may still be migrating or the broker may be down: back off and try again; nothing is lost.
                failures++;
                logger.LogWarning(ex, "Relaying outbox events failed (attempt {Attempt}); retrying", failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures * 2)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task PurgeSentAsync(CancellationToken cancellationToken)
    {
        _nextPurge = DateTime.UtcNow + PurgeInterval;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var cutoff = DateTimeOffset.UtcNow - SentRetention;
        var purged = await db.OutboxMessages.Where(m => m.SentAt != null && m.SentAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (purged > 0) logger.LogInformation("Purged {Count} sent outbox events older than {Days} days", purged, SentRetention.TotalDays);
    }

    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var bus = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();

        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var batch = await db.OutboxMessages
                .FromSql($"SELECT * FROM outbox_messages WHERE sent_at IS NULL ORDER BY occurred_at LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
                .ToListAsync(cancellationToken);
            foreach (var message in batch)
            {
                var (@event, type) = OutboxEvents.Deserialize(message);
                message.Attempts++;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(15));
                await bus.Publish(@event, type, context => context.MessageId = message.Id, timeout.Token);
                message.SentAt = DateTimeOffset.UtcNow;
                logger.LogInformation("Published {EventType} {EventId}", message.Type, message.Id);
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return batch.Count;
        });
    }
}
