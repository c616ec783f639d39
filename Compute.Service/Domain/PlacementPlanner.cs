namespace Compute.Service.Domain;

public sealed record NodeFreeCapacity(string Name, Capacity Total, Capacity Free);

public sealed record PlacementPlan(IReadOnlyList<string>? NodeNames, string? Shortage)
{
    public bool Succeeded => NodeNames is not null;
}

/// <summary>
/// Places replicas one at a time on the least loaded healthy node that still fits one, so replicas spread across
/// nodes (a node going down takes as few replicas with it as possible) and big nodes do not fill first.
/// </summary>
public static class PlacementPlanner
{
    public static PlacementPlan Plan(IReadOnlyList<NodeFreeCapacity> healthyNodes, int instances, Capacity perReplica)
    {
        var free = healthyNodes.ToDictionary(n => n.Name, n => n.Free);
        var placed = new List<string>(instances);
        for (var replica = 0; replica < instances; replica++)
        {
            var node = healthyNodes
                .Where(n => free[n.Name].Fits(perReplica))
                .OrderBy(n => Load(n.Total, free[n.Name]))
                .ThenByDescending(n => free[n.Name].CpuCores)
                .ThenBy(n => n.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (node is null) return new PlacementPlan(null, DescribeShortage(healthyNodes, instances, perReplica, replica));
            free[node.Name] -= perReplica;
            placed.Add(node.Name);
        }
        return new PlacementPlan(placed, null);
    }

    /// <summary>The share of a node already reserved, by its scarcest resource.</summary>
    private static decimal Load(Capacity total, Capacity free)
    {
        static decimal Share(decimal total, decimal free) => total <= 0 ? 0 : (total - free) / total;
        var load = Math.Max(Share(total.CpuCores, free.CpuCores), Share(total.MemoryGb, free.MemoryGb));
        return total.Gpus > 0 ? Math.Max(load, Share(total.Gpus, free.Gpus)) : load;
    }

    private static string DescribeShortage(IReadOnlyList<NodeFreeCapacity> nodes, int instances, Capacity perReplica, int placedBeforeFailure)
    {
        if (nodes.Count == 0) return "no healthy node is available";
        var needed = perReplica * instances;
        var free = nodes.Aggregate(Capacity.Zero, (sum, n) => sum + n.Free.AtLeastZero());
        var shortages = DescribeShortages(needed, free);
        if (shortages.Count > 0) return string.Join("; ", shortages);
        var largest = nodes.Select(n => n.Free.AtLeastZero()).OrderByDescending(f => f.CpuCores).First();
        return $"enough capacity in total, but no single node has room for replica {placedBeforeFailure + 1} of {instances} " +
               $"({perReplica}); the node with most free cores has {largest}";
    }

    /// <summary>One phrase per resource that is short, e.g. "cpu cores: need 6, free 4".</summary>
    public static List<string> DescribeShortages(Capacity needed, Capacity free)
    {
        var shortages = new List<string>();
        if (needed.CpuCores > free.CpuCores) shortages.Add($"cpu cores: need {needed.CpuCores:0.####}, free {free.CpuCores:0.####}");
        if (needed.MemoryGb > free.MemoryGb) shortages.Add($"memory: need {needed.MemoryGb:0.####} GB, free {free.MemoryGb:0.####} GB");
        if (needed.Gpus > free.Gpus) shortages.Add($"gpus: need {needed.Gpus}, free {free.Gpus}");
        return shortages;
    }
}
