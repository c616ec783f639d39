using Compute.Service.Catalogue;
using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Compute.Service.Application;

/// <summary>Reads compute targets with their nodes and free capacity, as REST and gRPC show them.</summary>
public sealed class ComputeReader(ComputeDbContext db, VmSizeCatalogue catalogue, IOptions<ComputeOptions> options, TimeProvider clock)
{
    public async Task<IReadOnlyList<ComputeView>> ListAsync(CancellationToken ct)
    {
        var targets = await db.ComputeTargets.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);
        return await ViewsAsync(targets, ct);
    }

    public async Task<ComputeView> GetAsync(string name, CancellationToken ct)
    {
        var lowered = name.ToLowerInvariant();
        var target = await db.ComputeTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Name.ToLower() == lowered, ct)
            ?? throw ComputeException.ComputeNotFound(name);
        return (await ViewsAsync([target], ct))[0];
    }

    private async Task<IReadOnlyList<ComputeView>> ViewsAsync(IReadOnlyList<ComputeTargetEntity> targets, CancellationToken ct)
    {
        var nodes = await NodeViewsAsync(ct);
        var quota = await CapacityLedger.QuotaPerComputeAsync(db, ct);
        return targets.Select(t => ToView(t, nodes, quota.GetValueOrDefault(t.Name))).ToList();
    }

    private async Task<IReadOnlyList<NodeView>> NodeViewsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lease = options.Value.Lease;
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync(ct);
        var reserved = await CapacityLedger.ReservedPerNodeAsync(db, ct);
        return nodes.Select(n =>
        {
            var capacity = new Capacity(n.CpuCores, n.MemoryGb, n.Gpus);
            var held = reserved.GetValueOrDefault(n.Name);
            return new NodeView(
                n.Name, n.HttpAddress, n.GrpcAddress,
                CapacityLedger.IsHealthy(n, now, lease) ? NodeStates.Healthy : NodeStates.Unhealthy,
                capacity, held, (capacity - held).AtLeastZero(),
                new Capacity(n.InUseCpuCores, n.InUseMemoryGb, n.InUseGpus), n.LastHeartbeatAt, n.LoadedModels);
        }).ToList();
    }

    private ComputeView ToView(ComputeTargetEntity t, IReadOnlyList<NodeView> localNodes, (Capacity Held, int Count) quota)
    {
        Capacity capacity, free;
        if (t.IsBuiltIn)
        {
            // The built-in target offers exactly what its healthy nodes have.
            var healthy = localNodes.Where(n => n.State == NodeStates.Healthy).ToList();
            capacity = healthy.Aggregate(Capacity.Zero, (sum, n) => sum + n.Capacity);
            free = healthy.Aggregate(Capacity.Zero, (sum, n) => sum + n.Free);
        }
        else
        {
            capacity = CapacityLedger.QuotaOf(t, catalogue);
            free = (capacity - quota.Held).AtLeastZero();
        }
        var nodes = t.Type == ComputeTypes.Local ? localNodes : [];
        return new ComputeView(
            t.Name, t.Type, t.Purpose, t.VmSize, t.IsBuiltIn ? null : t.AgentCount,
            t.ProvisioningState, t.Error, t.ApiServer, t.Namespace,
            capacity, free, nodes, quota.Count, t.CreatedAt, t.UpdatedAt);
    }
}
