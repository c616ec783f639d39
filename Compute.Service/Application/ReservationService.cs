using Compute.Service.Catalogue;
using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Compute.Service.Application;

public sealed record ReserveCommand(string ReservationId, string Compute, int Instances, double CpuCores, double MemoryGb, int Gpus);

/// <summary>
/// Places deployment replicas and holds quota. Every Reserve locks its compute row, then all node rows in name order,
/// so concurrent reservations are serialized where they compete and can never over-commit a node or a quota.
/// </summary>
public sealed class ReservationService(ComputeDbContext db, VmSizeCatalogue catalogue, IOptions<ComputeOptions> options, TimeProvider clock)
{
    public const int MaxReservationIdLength = 200;
    public const int MaxInstances = 1000;

    public async Task<ReservationResult> ReserveAsync(ReserveCommand command, CancellationToken ct)
    {
        var perReplica = Validate(command);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var target = (await db.ComputeTargets
                .FromSql($"SELECT * FROM compute_targets WHERE lower(name) = lower({command.Compute}) FOR UPDATE")
                .ToListAsync(ct)).FirstOrDefault() ?? throw ComputeException.ComputeNotFound(command.Compute);
            if (target.ProvisioningState != ProvisioningStates.Succeeded)
                throw new ComputeException(ComputeErrorKind.FailedPrecondition,
                    $"Compute '{target.Name}' is {target.ProvisioningState}{(target.Error is null ? "" : $" ({target.Error})")}; only a Succeeded compute takes reservations.");

            var existing = await db.Reservations.Include(r => r.Replicas).FirstOrDefaultAsync(r => r.Id == command.ReservationId, ct);
            if (existing is not null && existing.ComputeName == target.Name && SameRequest(existing, command.Instances, perReplica))
                return await ResultAsync(existing, ct);   // the same request again: the same placement
            if (existing is not null)
            {
                // Re-reserving replaces: free the old placement first so it counts as free for the new one.
                // If the new one does not fit, the transaction rolls back and the old reservation stays.
                db.Reservations.Remove(existing);
                await db.SaveChangesAsync(ct);
            }

            var quotaCores = target.IsBuiltIn ? 0m : Quota.QuotaCores(command.Instances, perReplica.CpuCores);
            if (!target.IsBuiltIn) await EnsureQuotaAsync(target, command.Instances, perReplica, quotaCores, ct);

            var reservation = new ReservationEntity
            {
                Id = command.ReservationId, ComputeName = target.Name, Instances = command.Instances,
                CpuCores = perReplica.CpuCores, MemoryGb = perReplica.MemoryGb, Gpus = perReplica.Gpus,
                QuotaCores = quotaCores, CreatedAt = clock.GetUtcNow(),
            };
            // Kubernetes schedules its own pods; only targets made of our nodes get replicas placed here.
            if (target.Type == ComputeTypes.Local)
            {
                var nodes = await PlaceAsync(target.Name, command.Instances, perReplica, ct);
                reservation.Replicas = nodes.Select((node, i) => new ReplicaEntity { ReservationId = reservation.Id, Ordinal = i, NodeName = node }).ToList();
            }
            db.Reservations.Add(reservation);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return await ResultAsync(reservation, ct);
        });
    }

    public async Task<bool> ReleaseAsync(string reservationId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reservationId))
            throw ComputeException.Invalid(new Dictionary<string, string[]> { ["reservationId"] = ["is required."] });
        // Replicas go with it (ON DELETE CASCADE).
        return await db.Reservations.Where(r => r.Id == reservationId).ExecuteDeleteAsync(ct) > 0;
    }

    private static Capacity Validate(ReserveCommand c)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(c.ReservationId)) errors.Add("reservationId", "is required, e.g. \"endpoint/deployment\".");
        else if (c.ReservationId.Length > MaxReservationIdLength) errors.Add("reservationId", $"must be at most {MaxReservationIdLength} characters.");
        if (string.IsNullOrWhiteSpace(c.Compute)) errors.Add("compute", "is required.");
        if (c.Instances is < 1 or > MaxInstances) errors.Add("instances", $"must be between 1 and {MaxInstances}.");
        if (!double.IsFinite(c.CpuCores) || c.CpuCores < 0.01 || c.CpuCores > 1024) errors.Add("cpuCores", "must be a number between 0.01 and 1024 (fractions such as 0.1 are allowed).");
        if (!double.IsFinite(c.MemoryGb) || c.MemoryGb < 0 || c.MemoryGb > 16384) errors.Add("memoryGb", "must be a number between 0 and 16384.");
        if (c.Gpus is < 0 or > 64) errors.Add("gpus", "must be between 0 and 64.");
        errors.ThrowIfAny();
        return new Capacity(Capacity.FromDouble(c.CpuCores), Capacity.FromDouble(c.MemoryGb), c.Gpus);
    }

    private static bool SameRequest(ReservationEntity r, int instances, Capacity perReplica) =>
        r.Instances == instances && r.CpuCores == perReplica.CpuCores && r.MemoryGb == perReplica.MemoryGb && r.Gpus == perReplica.Gpus;

    private async Task EnsureQuotaAsync(ComputeTargetEntity target, int instances, Capacity perReplica, decimal quotaCores, CancellationToken ct)
    {
        var quota = CapacityLedger.QuotaOf(target, catalogue);
        var held = (await CapacityLedger.QuotaPerComputeAsync(db, ct)).GetValueOrDefault(target.Name).Held;
        var needed = new Capacity(quotaCores, perReplica.MemoryGb * instances, perReplica.Gpus * instances);
        var shortages = PlacementPlanner.DescribeShortages(needed, (quota - held).AtLeastZero());
        if (shortages.Count > 0)
            throw new ComputeException(ComputeErrorKind.ResourceExhausted,
                $"Quota of compute '{target.Name}' ({target.AgentCount} × {target.VmSize} = {quota}) is short: {string.Join("; ", shortages)}. " +
                $"Cores count as ceil({Quota.SurplusFactor} × {instances}) × {perReplica.CpuCores:0.####} = {quotaCores:0.####}.");
    }

    private async Task<IReadOnlyList<string>> PlaceAsync(string compute, int instances, Capacity perReplica, CancellationToken ct)
    {
        // Node rows are shared by every local-type compute: lock them all, always in the same order.
        var nodes = await db.Nodes.FromSql($"SELECT * FROM nodes ORDER BY name FOR UPDATE").AsNoTracking().ToListAsync(ct);
        var reserved = await CapacityLedger.ReservedPerNodeAsync(db, ct);
        var now = clock.GetUtcNow();
        var healthy = nodes
            .Where(n => CapacityLedger.IsHealthy(n, now, options.Value.Lease))
            .Select(n =>
            {
                var total = new Capacity(n.CpuCores, n.MemoryGb, n.Gpus);
                return new NodeFreeCapacity(n.Name, total, total - reserved.GetValueOrDefault(n.Name));
            })
            .ToList();
        var plan = PlacementPlanner.Plan(healthy, instances, perReplica);
        return plan.NodeNames ?? throw new ComputeException(ComputeErrorKind.ResourceExhausted,
            $"Not enough capacity on compute '{compute}' for {instances} replica(s) of {perReplica}: {plan.Shortage}.");
    }

    private async Task<ReservationResult> ResultAsync(ReservationEntity reservation, CancellationToken ct)
    {
        var names = reservation.Replicas.Select(r => r.NodeName).Distinct().ToList();
        var addresses = await db.Nodes.AsNoTracking().Where(n => names.Contains(n.Name))
            .ToDictionaryAsync(n => n.Name, n => (n.HttpAddress, n.GrpcAddress), ct);
        var placements = reservation.Replicas.OrderBy(r => r.Ordinal)
            .Select(r => new ReplicaPlacement(r.NodeName, addresses[r.NodeName].HttpAddress, addresses[r.NodeName].GrpcAddress))
            .ToList();
        return new ReservationResult(reservation.Id, reservation.ComputeName, placements, reservation.QuotaCores);
    }
}
