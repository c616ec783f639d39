using Compute.Service.Application;
using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Compute.Service.Provisioning;

/// <summary>
/// Moves computes from Creating to Succeeded or Failed off the request path, and publishes each outcome.
/// Work is found in the database, not in memory, so a compute left Creating by a restart is finished after it.
/// </summary>
public sealed class ProvisioningWorker(
    IServiceScopeFactory scopes, ProvisioningSignal signal, ApiServerProbe probe, IOptions<ComputeOptions> options,
    TimeProvider clock, ILogger<ProvisioningWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ProvisionPendingAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Provisioning pass failed; trying again at the next poll");
            }
            await signal.WaitAsync(TimeSpan.FromMilliseconds(options.Value.ProvisioningPollMilliseconds), stoppingToken);
        }
    }

    private async Task ProvisionPendingAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var tokens = scope.ServiceProvider.GetRequiredService<TokenProtector>();
        var events = scope.ServiceProvider.GetRequiredService<ComputeEvents>();
        var pending = await db.ComputeTargets.AsNoTracking()
            .Where(t => t.ProvisioningState == ProvisioningStates.Creating)
            .OrderBy(t => t.UpdatedAt)
            .ToListAsync(ct);

        foreach (var target in pending)
        {
            var error = await ProvisionAsync(target, tokens, ct);
            var state = error is null ? ProvisioningStates.Succeeded : ProvisioningStates.Failed;
            // Only if nobody changed the compute meanwhile: a newer request has its own provisioning run.
            // The new state and its event commit together (the shared outbox publishes the event once committed).
            var updated = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var rows = await db.ComputeTargets
                    .Where(t => t.Name == target.Name && t.Generation == target.Generation && t.ProvisioningState == ProvisioningStates.Creating)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(t => t.ProvisioningState, state)
                        .SetProperty(t => t.Error, error)
                        .SetProperty(t => t.UpdatedAt, clock.GetUtcNow()), ct);
                if (rows > 0)
                {
                    events.Changed(db, target.Name, target.Type, state, error);
                    await db.SaveChangesAsync(ct);
                }
                await tx.CommitAsync(ct);
                return rows;
            });
            if (updated == 0) continue;
            logger.LogInformation("Compute {Compute} is {State} {Error}", target.Name, state, error);
            events.Committed();
        }
    }

    private async Task<string?> ProvisionAsync(ComputeTargetEntity target, TokenProtector tokens, CancellationToken ct)
    {
        // A local-type compute is a quota over this machine's nodes: nothing to create outside this database.
        if (target.Type != ComputeTypes.Kubernetes) return null;
        if (target.ApiServer is null || target.ProtectedToken is null) return "The compute has no API server or token.";
        string token;
        try
        {
            token = tokens.Unprotect(target.ProtectedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "The stored token cannot be decrypted (the Data Protection keys under DataRoot changed); attach the compute again.";
        }
        return await probe.CheckAsync(new Uri(target.ApiServer), token, ct);
    }
}
