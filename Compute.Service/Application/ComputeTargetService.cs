using Compute.Service.Catalogue;
using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Compute.Service.Provisioning;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Compute.Service.Application;

/// <summary>Creates, updates, detaches and deletes compute targets; provisioning itself happens in the background.</summary>
public sealed class ComputeTargetService(
    ComputeDbContext db, VmSizeCatalogue catalogue, TokenProtector tokens, ComputeEvents events,
    ProvisioningSignal provisioning, TimeProvider clock)
{
    public async Task<(string Name, bool Created)> CreateOrUpdateAsync(string name, ComputeSpec spec, CancellationToken ct)
    {
        if (name.Equals(ComputeNameRules.BuiltInLocal, StringComparison.OrdinalIgnoreCase))
            throw new ComputeException(ComputeErrorKind.FailedPrecondition, "'local' is the built-in compute made of this machine's inference nodes; it cannot be created or changed.");

        bool created;
        try
        {
            created = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var existing = await LockAsync(name, ct);
                var now = clock.GetUtcNow();
                var isNew = existing is null;
                if (existing is null)
                {
                    existing = new ComputeTargetEntity { Name = name, Type = spec.Type, ProvisioningState = ProvisioningStates.Creating, CreatedAt = now };
                    db.ComputeTargets.Add(existing);
                }
                else
                {
                    if (existing.Name != name)
                        throw new ComputeException(ComputeErrorKind.AlreadyExists, $"The name is taken by compute '{existing.Name}' (names are unique regardless of case).");
                    if (existing.Type != spec.Type)
                        throw new ComputeException(ComputeErrorKind.FailedPrecondition, $"Compute '{name}' is of type '{existing.Type}'; the type of a compute cannot change (delete it first).");
                    await EnsureQuotaStillCoversReservationsAsync(existing, spec, ct);
                }
                Apply(existing, spec, now);
                events.Changed(db, name, spec.Type, ProvisioningStates.Creating, null);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return isNew;
            });
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ComputeException(ComputeErrorKind.AlreadyExists, $"Compute '{name}' was created by another request at the same moment; send the request again to update it.");
        }

        events.Committed();
        provisioning.Notify();
        return (name, created);
    }

    /// <summary>Detach forgets an attached cluster without touching it; delete removes a created compute. Both refuse while reserved.</summary>
    public async Task RemoveAsync(string name, bool detach, CancellationToken ct)
    {
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var target = await LockAsync(name, ct) ?? throw ComputeException.ComputeNotFound(name);
            if (target.IsBuiltIn)
                throw new ComputeException(ComputeErrorKind.FailedPrecondition, "'local' is the built-in compute made of this machine's inference nodes; it cannot be deleted or detached.");
            if (detach && target.Type != ComputeTypes.Kubernetes)
                throw new ComputeException(ComputeErrorKind.FailedPrecondition, $"Compute '{target.Name}' was created here, not attached: delete it instead of detaching it.");
            // The compute row is locked, so no Reserve can add a reservation between this check and the delete.
            var inUse = await db.Reservations.Where(r => r.ComputeName == target.Name).Select(r => r.Id).OrderBy(id => id).ToListAsync(ct);
            if (inUse.Count > 0)
                throw new ComputeException(ComputeErrorKind.FailedPrecondition,
                    $"Compute '{target.Name}' is in use by {inUse.Count} reservation(s): {string.Join(", ", inUse.Take(10))}. Delete those deployments first.");
            db.ComputeTargets.Remove(target);
            events.Changed(db, target.Name, target.Type, detach ? ProvisioningStates.Detached : ProvisioningStates.Deleted, null);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return true;
        });
        events.Committed();
    }

    private async Task<ComputeTargetEntity?> LockAsync(string name, CancellationToken ct) =>
        (await db.ComputeTargets
            .FromSql($"SELECT * FROM compute_targets WHERE lower(name) = lower({name}) FOR UPDATE")
            .ToListAsync(ct)).FirstOrDefault();

    private async Task EnsureQuotaStillCoversReservationsAsync(ComputeTargetEntity existing, ComputeSpec spec, CancellationToken ct)
    {
        var held = (await CapacityLedger.QuotaPerComputeAsync(db, ct)).GetValueOrDefault(existing.Name).Held;
        var size = catalogue.Find(spec.VmSize)!;
        var quota = new Capacity(size.VCpus, size.MemoryGb, size.Gpus) * spec.AgentCount;
        var shortages = PlacementPlanner.DescribeShortages(held, quota);
        if (shortages.Count > 0)
            throw new ComputeException(ComputeErrorKind.FailedPrecondition,
                $"Compute '{existing.Name}' would be smaller than what its reservations hold ({string.Join("; ", shortages).Replace("need", "held").Replace("free", "new quota")}).");
    }

    private void Apply(ComputeTargetEntity target, ComputeSpec spec, DateTimeOffset now)
    {
        target.Purpose = spec.Purpose;
        target.VmSize = spec.VmSize;
        target.AgentCount = spec.AgentCount;
        target.ApiServer = spec.Kubernetes?.ApiServer.ToString();
        target.Namespace = spec.Kubernetes?.Namespace;
        target.ProtectedToken = spec.Kubernetes is null ? null : tokens.Protect(spec.Kubernetes.Token);
        target.ProvisioningState = ProvisioningStates.Creating;
        target.Error = null;
        target.Generation++;
        target.UpdatedAt = now;
    }
}
