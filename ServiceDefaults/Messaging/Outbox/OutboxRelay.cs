using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Messaging.Outbox;

/// <summary>
/// Publishes committed outbox rows to the bus and marks them sent. At least once: a crash between publishing and
/// marking republishes the event, with the same MessageId (= EventId), so consumers dedupe on it. Rows are claimed with
/// FOR UPDATE SKIP LOCKED, so several instances of a service can relay side by side without sending a row twice at once.
/// While the broker (or the database) is unreachable it backs off and retries: the rows wait in the table meanwhile.
/// </summary>
public sealed class OutboxRelay<TDbContext>(
    IServiceScopeFactory scopes,
    OutboxSignal signal,
    OutboxEventTypes types,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay<TDbContext>> logger) : BackgroundService
    where TDbContext : DbContext
{
    private DateTime _nextPurge = DateTime.UtcNow;

    private OutboxOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.RelayEnabled)
        {
            logger.LogWarning("The outbox relay of {Context} is turned off (Outbox:RelayEnabled=false): events wait in {Table}", typeof(TDbContext).Name, OutboxSchema.Table);
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await RelayBatchAsync(stoppingToken);
                failures = 0;
                if (DateTime.UtcNow >= _nextPurge) await PurgeSentAsync(stoppingToken);
                if (sent == Options.BatchSize) continue; // more may be waiting
                await signal.WaitAsync(TimeSpan.FromSeconds(Options.PollSeconds), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may still be migrating or the broker may be down: back off and try again; nothing is lost.
                failures++;
                logger.LogWarning(ex, "Relaying outbox events of {Context} failed (attempt {Attempt}); retrying", typeof(TDbContext).Name, failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(Options.MaxBackoffSeconds, failures * 2)), stoppingToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task PurgeSentAsync(CancellationToken cancellationToken)
    {
        _nextPurge = DateTime.UtcNow + TimeSpan.FromHours(1);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var cutoff = DateTimeOffset.UtcNow - TimeSpan.FromDays(Options.SentRetentionDays);
        var purged = await db.Set<OutboxMessage>().Where(m => m.SentAt != null && m.SentAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (purged > 0) logger.LogInformation("Purged {Count} sent outbox events older than {Days} days", purged, Options.SentRetentionDays);
    }

    /// <summary>Publishes up to one batch of waiting rows; returns how many rows it handled.</summary>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var bus = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var batchSize = Options.BatchSize;

        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var batch = await db.Set<OutboxMessage>()
                .FromSql($"SELECT * FROM outbox_messages WHERE sent_at IS NULL AND last_error IS NULL ORDER BY occurred_at LIMIT {batchSize} FOR UPDATE SKIP LOCKED")
                .ToListAsync(cancellationToken);
            Exception? failure = null;
            foreach (var message in batch)
            {
                message.Attempts++;
                var (@event, type, error) = OutboxEvents.Deserialize(message, types);
                if (@event is null || type is null)
                {
                    message.LastError = error;
                    logger.LogError("Outbox event {EventId} can never be published and is skipped: {Error}", message.Id, error);
                    continue;
                }
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(Options.PublishTimeoutSeconds));
                    await bus.Publish(@event, type, context => context.MessageId = message.Id, timeout.Token);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Keep what went out (marked sent below); the rest waits for the next attempt.
                    message.Attempts--;
                    failure = ex;
                    break;
                }
                message.SentAt = DateTimeOffset.UtcNow;
                logger.LogDebug("Published {EventType} {EventId}", message.Type, message.Id);
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            if (failure is not null) throw new OutboxPublishException($"Publishing to the bus failed: {failure.Message}", failure);
            return batch.Count;
        });
    }
}

/// <summary>The bus refused or did not answer; the event waits in the table.</summary>
public sealed class OutboxPublishException(string message, Exception inner) : Exception(message, inner);

/// <summary>Settings of a service's outbox relay (section "Outbox").</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>False keeps the relay from running (events then wait in the table); for maintenance and tests.</summary>
    public bool RelayEnabled { get; set; } = true;

    /// <summary>How often the relay looks for rows it was not signalled about (another instance's, or left by a crash).</summary>
    public double PollSeconds { get; set; } = 2;

    public int BatchSize { get; set; } = 50;

    public double PublishTimeoutSeconds { get; set; } = 15;

    public double MaxBackoffSeconds { get; set; } = 30;

    /// <summary>Sent rows are kept this long for inspection, then purged.</summary>
    public double SentRetentionDays { get; set; } = 7;
}
