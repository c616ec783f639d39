using Compute.Service.Catalogue;
using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Compute.Service.Application;

/// <summary>What the reservations in computedb hold: per node (real capacity) and per compute (quota).</summary>
public static class CapacityLedger
{
    public static async Task<Dictionary<string, Capacity>> ReservedPerNodeAsync(ComputeDbContext db, CancellationToken ct)
    {
        var rows = await (
            from replica in db.Replicas
            join reservation in db.Reservations on replica.ReservationId equals reservation.Id
            group reservation by replica.NodeName into g
            select new { Node = g.Key, Cores = g.Sum(r => r.CpuCores), Memory = g.Sum(r => r.MemoryGb), Gpus = g.Sum(r => r.Gpus) })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Node, r => new Capacity(r.Cores, r.Memory, r.Gpus));
    }

    /// <summary>Quota held on each compute: cores counted with the 1.2 surplus, memory and GPUs per instance.</summary>
    public static async Task<Dictionary<string, (Capacity Held, int Count)>> QuotaPerComputeAsync(ComputeDbContext db, CancellationToken ct)
    {
        var rows = await db.Reservations
            .GroupBy(r => r.ComputeName)
            .Select(g => new
            {
                Compute = g.Key,
                Cores = g.Sum(r => r.QuotaCores),
                Memory = g.Sum(r => r.MemoryGb * r.Instances),
                Gpus = g.Sum(r => r.Gpus * r.Instances),
                Count = g.Count(),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Compute, r => (new Capacity(r.Cores, r.Memory, r.Gpus), r.Count));
    }

    /// <summary>A user-created compute's quota: agentCount machines of its VM size.</summary>
    public static Capacity QuotaOf(ComputeTargetEntity target, VmSizeCatalogue catalogue)
    {
        var size = target.VmSize is null ? null : catalogue.Find(target.VmSize);
        return size is null ? Capacity.Zero : new Capacity(size.VCpus, size.MemoryGb, size.Gpus) * target.AgentCount;
    }

    public static bool IsHealthy(NodeEntity node, DateTimeOffset now, TimeSpan lease) => now - node.LastHeartbeatAt <= lease;
}
