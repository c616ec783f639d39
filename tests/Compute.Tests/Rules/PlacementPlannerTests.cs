using Compute.Service.Domain;

namespace Compute.Tests.Rules;

public sealed class PlacementPlannerTests
{
    private static NodeFreeCapacity Node(string name, decimal cores, decimal memory, int gpus = 0, decimal? freeCores = null) =>
        new(name, new Capacity(cores, memory, gpus), new Capacity(freeCores ?? cores, memory, gpus));

    [Fact]
    public void Replicas_spread_across_equal_nodes()
    {
        var plan = PlacementPlanner.Plan([Node("a", 4, 8), Node("b", 4, 8)], 4, new Capacity(1, 1, 0));
        Assert.Equal(["a", "b", "a", "b"], plan.NodeNames);
    }

    [Fact]
    public void The_least_loaded_node_is_used_first()
    {
        // a is half full, b is empty: b takes replicas until it is as loaded as a.
        var plan = PlacementPlanner.Plan([Node("a", 4, 8, freeCores: 2), Node("b", 4, 8)], 3, new Capacity(1, 1, 0));
        Assert.Equal(["b", "b", "a"], plan.NodeNames);
    }

    [Fact]
    public void Fractional_cores_add_up_exactly()
    {
        var plan = PlacementPlanner.Plan([Node("a", 0.3m, 1)], 3, new Capacity(0.1m, 0.2m, 0));
        Assert.True(plan.Succeeded);
    }

    [Fact]
    public void A_shortage_names_the_resource_and_how_much_is_free()
    {
        var plan = PlacementPlanner.Plan([Node("a", 2, 8), Node("b", 2, 8)], 3, new Capacity(2, 1, 0));
        Assert.False(plan.Succeeded);
        Assert.Equal("cpu cores: need 6, free 4", plan.Shortage);
    }

    [Fact]
    public void Gpus_are_checked()
    {
        var plan = PlacementPlanner.Plan([Node("a", 8, 8, gpus: 1)], 2, new Capacity(1, 1, 1));
        Assert.Equal("gpus: need 2, free 1", plan.Shortage);
    }

    [Fact]
    public void Fragmentation_is_told_apart_from_a_total_shortage()
    {
        // 4 cores free in total, but no node has 3.
        var plan = PlacementPlanner.Plan([Node("a", 2, 8), Node("b", 2, 8)], 1, new Capacity(3, 1, 0));
        Assert.StartsWith("enough capacity in total, but no single node has room for replica 1 of 1", plan.Shortage);
        Assert.EndsWith("has 2 cores, 8 GB memory, 0 GPUs", plan.Shortage);
    }

    [Fact]
    public void Without_healthy_nodes_the_planner_says_so() =>
        Assert.Equal("no healthy node is available", PlacementPlanner.Plan([], 1, new Capacity(1, 1, 0)).Shortage);
}
