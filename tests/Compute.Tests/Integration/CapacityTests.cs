using System.Net;
using Compute.Service.Application;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>Nodes, reservations and quota. Each test has a service and database of its own: capacity is global to a database.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class CapacityTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task A_registered_node_is_shown_in_local_with_its_capacity()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("inference-0", cores: 8, memoryGb: 16, gpus: 1);
        using var client = app.CreateClient();

        var local = await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK);
        var node = Assert.Single(local.GetProperty("nodes").EnumerateArray());
        Assert.Equal("inference-0", node.GetProperty("name").GetString());
        Assert.Equal("Healthy", node.GetProperty("state").GetString());
        Assert.Equal(8m, node.GetProperty("capacity").GetProperty("cpuCores").GetDecimal());
        Assert.Equal(1, node.GetProperty("free").GetProperty("gpus").GetInt32());
        Assert.Equal(16m, local.GetProperty("free").GetProperty("memoryGb").GetDecimal());
    }

    [Fact]
    public async Task A_node_that_misses_heartbeats_becomes_unhealthy_and_its_capacity_is_not_offered()
    {
        await using var app = await ComputeApp.StartAsync(infra, s =>
        {
            s["Compute:HeartbeatIntervalSeconds"] = "1";
            s["Compute:MissedHeartbeatsBeforeUnhealthy"] = "3";
        });
        var lease = await app.RegisterNodeAsync("beating", 4, 8);
        Assert.Equal(new NodeLease(1, 3), lease);
        await app.RegisterNodeAsync("silent", 4, 8);
        using var client = app.CreateClient();

        // "beating" heartbeats every half second for 4.5 s; "silent" never does.
        for (var i = 0; i < 9; i++)
        {
            await Task.Delay(500);
            await app.InScopeAsync<NodeRegistry, NodeLease>(n => n.HeartbeatAsync(new HeartbeatCommand("beating", 1, 2, 0, ["m:1"]), CancellationToken.None));
        }

        var local = await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK);
        var states = local.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("state").GetString());
        Assert.Equal("Healthy", states["beating"]);
        Assert.Equal("Unhealthy", states["silent"]);
        Assert.Equal(4m, local.GetProperty("capacity").GetProperty("cpuCores").GetDecimal());

        // Only the healthy node takes replicas: two 3-core replicas do not fit although 8 cores are registered.
        var refused = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("e/d", "local", 2, 3, 1));
        Assert.Equal(ComputeErrorKind.ResourceExhausted, refused.Kind);
        Assert.Contains("cpu cores: need 6, free 4", refused.Message);
        var placed = await app.ReserveAsync("e/d", "local", 1, 3, 1);
        Assert.Equal("beating", Assert.Single(placed.Placements).NodeName);

        // A heartbeat brings a node back: its capacity is offered again.
        foreach (var node in new[] { "silent", "beating" })
            await app.InScopeAsync<NodeRegistry, NodeLease>(n => n.HeartbeatAsync(new HeartbeatCommand(node, 0, 0, 0, []), CancellationToken.None));
        var back = await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(8m, back.GetProperty("capacity").GetProperty("cpuCores").GetDecimal());
    }

    [Fact]
    public async Task A_heartbeat_from_an_unknown_node_is_told_to_register()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        var error = await Assert.ThrowsAsync<ComputeException>(() =>
            app.InScopeAsync<NodeRegistry, NodeLease>(n => n.HeartbeatAsync(new HeartbeatCommand("ghost", 0, 0, 0, []), CancellationToken.None)));
        Assert.Equal(ComputeErrorKind.NotFound, error.Kind);
        Assert.Contains("RegisterNode", error.Message);
    }

    [Fact]
    public async Task Replicas_are_spread_across_nodes_and_come_back_with_their_addresses()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("node-a", 4, 8);
        await app.RegisterNodeAsync("node-bb", 4, 8);

        var result = await app.ReserveAsync("ep/blue", "local", 4, 1, 1);
        Assert.Equal(2, result.Placements.Count(p => p.NodeName == "node-a"));
        Assert.Equal(2, result.Placements.Count(p => p.NodeName == "node-bb"));
        Assert.All(result.Placements, p => Assert.StartsWith("http://127.0.0.1:6", p.HttpAddress));
        Assert.Equal(0m, result.QuotaCores);   // the built-in local is bounded by its nodes, not by a quota
    }

    [Fact]
    public async Task A_reservation_larger_than_free_capacity_is_refused_and_changes_nothing()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("only-node", 4, 8);
        var first = await app.ReserveAsync("ep/one", "local", 1, 1.5, 2);
        using var client = app.CreateClient();
        var before = (await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK)).ToString();

        var refused = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("ep/two", "local", 2, 1.5, 4));
        Assert.Equal(ComputeErrorKind.ResourceExhausted, refused.Kind);
        Assert.Contains("memory: need 8 GB, free 6 GB", refused.Message);
        Assert.Contains("cpu cores: need 3, free 2.5", refused.Message);
        // Re-reserving an existing id bigger than what fits keeps the old reservation.
        await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("ep/one", "local", 1, 5, 1));

        var after = (await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK)).ToString();
        Assert.Equal(before, after);
        Assert.Equal(first.Placements, (await app.ReserveAsync("ep/one", "local", 1, 1.5, 2)).Placements);
    }

    [Fact]
    public async Task Reserving_the_same_id_again_returns_the_same_placement_and_a_changed_request_replaces_it()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("n1", 2, 8);
        await app.RegisterNodeAsync("n2", 2, 8);
        var first = await app.ReserveAsync("ep/dep", "local", 1, 2, 1);
        var again = await app.ReserveAsync("ep/dep", "local", 1, 2, 1);
        Assert.Equal(first.Placements, again.Placements);

        // Replacing frees the old placement first: 2 × 2 cores fits only because the old 2 cores are given back.
        var replaced = await app.ReserveAsync("ep/dep", "local", 2, 2, 1);
        Assert.Equal(["n1", "n2"], replaced.Placements.Select(p => p.NodeName).Order());
        Assert.True(await app.ReleaseAsync("ep/dep"));
        Assert.False(await app.ReleaseAsync("ep/dep"));
        Assert.Equal(2, (await app.ReserveAsync("other", "local", 2, 2, 1)).Placements.Count);
    }

    [Fact]
    public async Task Fractional_cores_are_reserved_exactly()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("tiny", 0.3, 1);
        await app.ReserveAsync("a", "local", 3, 0.1, 0.2);
        var refused = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("b", "local", 1, 0.1, 0.2));
        Assert.Contains("cpu cores: need 0.1, free 0", refused.Message);
    }

    [Fact]
    public async Task Concurrent_reservations_never_over_commit_a_node()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("contended", 4, 64);

        var attempts = Enumerable.Range(0, 16).Select(async i =>
        {
            try
            {
                await app.ReserveAsync($"race/{i}", "local", 1, 1, 1);
                return true;
            }
            catch (ComputeException ex) when (ex.Kind == ComputeErrorKind.ResourceExhausted)
            {
                return false;
            }
        });
        var outcomes = await Task.WhenAll(attempts);
        Assert.Equal(4, outcomes.Count(ok => ok));

        using var client = app.CreateClient();
        var local = await (await client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK);
        var node = Assert.Single(local.GetProperty("nodes").EnumerateArray());
        Assert.Equal(4m, node.GetProperty("reserved").GetProperty("cpuCores").GetDecimal());
    }

    [Fact]
    public async Task Reservations_survive_a_restart_of_the_service()
    {
        var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("durable", 4, 8);
        var before = await app.ReserveAsync("ep/kept", "local", 3, 1, 1);
        var settings = app.Settings;
        await app.DisposeAsync();

        await using var restarted = ComputeApp.Start(settings);
        Assert.Equal(before.Placements, (await restarted.ReserveAsync("ep/kept", "local", 3, 1, 1)).Placements);
        var refused = await Assert.ThrowsAsync<ComputeException>(() => restarted.ReserveAsync("ep/new", "local", 2, 1, 1));
        Assert.Contains("cpu cores: need 2, free 1", refused.Message);
    }

    [Fact]
    public async Task A_compute_in_use_cannot_be_deleted_until_its_reservations_are_released()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("worker", 8, 16);
        using var client = app.CreateClient();
        await (await client.PutComputeAsync("team-dev", new { type = "local", purpose = "DevTest", vmSize = "Standard_D3_v2" })).JsonAsync(HttpStatusCode.Created);
        await client.WaitProvisionedAsync("team-dev");
        await app.ReserveAsync("ep/team", "team-dev", 1, 1, 1);

        var problem = await (await client.DeleteAsync("/api/v1/computes/team-dev")).JsonAsync(HttpStatusCode.Conflict);
        Assert.Contains("in use by 1 reservation(s): ep/team", problem.GetProperty("detail").GetString());
        Assert.True(await app.ReleaseAsync("ep/team"));
        await (await client.DeleteAsync("/api/v1/computes/team-dev")).JsonAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_created_compute_holds_ceil_1_2_times_instances_of_cores_against_its_quota()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("big", 32, 64);
        using var client = app.CreateClient();
        // Standard_D3_v2 × 1 = 4 cores of quota.
        await (await client.PutComputeAsync("quota-box", new { type = "local", purpose = "DevTest", vmSize = "Standard_D3_v2", agentCount = 1 })).JsonAsync(HttpStatusCode.Created);
        await client.WaitProvisionedAsync("quota-box");

        var first = await app.ReserveAsync("q/1", "quota-box", 1, 1.5, 1);   // ceil(1.2) × 1.5 = 3
        Assert.Equal(3m, first.QuotaCores);
        Assert.Equal("big", Assert.Single(first.Placements).NodeName);       // local-type computes place on the real nodes
        var refused = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("q/2", "quota-box", 1, 1, 1));
        Assert.Equal(ComputeErrorKind.ResourceExhausted, refused.Kind);
        Assert.Contains("cpu cores: need 2, free 1", refused.Message);
        Assert.Contains("ceil(1.2 × 1) × 1 = 2", refused.Message);

        var compute = await (await client.GetAsync("/api/v1/computes/quota-box")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1m, compute.GetProperty("free").GetProperty("cpuCores").GetDecimal());
        Assert.Equal(1, compute.GetProperty("reservations").GetInt32());
    }

    [Fact]
    public async Task A_compute_cannot_shrink_below_what_its_reservations_hold()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await app.RegisterNodeAsync("roomy", 32, 64);
        using var client = app.CreateClient();
        await (await client.PutComputeAsync("shrinking", new { type = "local", purpose = "DevTest", vmSize = "Standard_D4_v2", agentCount = 1 })).JsonAsync(HttpStatusCode.Created);
        await client.WaitProvisionedAsync("shrinking");
        await app.ReserveAsync("s/1", "shrinking", 2, 2, 1);   // ceil(2.4) × 2 = 6 of 8 cores

        var problem = await (await client.PutComputeAsync("shrinking", new { type = "local", purpose = "DevTest", vmSize = "Standard_D3_v2", agentCount = 1 }))
            .JsonAsync(HttpStatusCode.Conflict);
        Assert.Contains("cpu cores: held 6, new quota 4", problem.GetProperty("detail").GetString());
        var compute = await (await client.GetAsync("/api/v1/computes/shrinking")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Standard_D4_v2", compute.GetProperty("vmSize").GetString());
    }

    [Fact]
    public async Task A_kubernetes_compute_holds_quota_but_places_no_replicas()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        await using var apiServer = await FakeKubernetesApiServer.StartAsync("tok");
        using var client = app.CreateClient();
        await (await client.PutComputeAsync("aks-quota", new
        {
            type = "kubernetes", purpose = "FastProd", vmSize = "Standard_D4_v2", agentCount = 2,
            kubernetes = new { apiServer = apiServer.Address.ToString(), token = "tok" },
        })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("Succeeded", (await client.WaitProvisionedAsync("aks-quota")).GetProperty("provisioningState").GetString());

        var result = await app.ReserveAsync("k/1", "aks-quota", 10, 1, 2);   // ceil(12) × 1 = 12 of 16
        Assert.Empty(result.Placements);
        Assert.Equal(12m, result.QuotaCores);
        var refused = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("k/2", "aks-quota", 4, 1, 1));
        Assert.Contains("cpu cores: need 5, free 4", refused.Message);
    }

    [Fact]
    public async Task Reserving_on_an_unknown_compute_or_with_bad_numbers_names_the_problem()
    {
        await using var app = await ComputeApp.StartAsync(infra);
        var unknown = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("x/y", "nowhere", 1, 1, 1));
        Assert.Equal(ComputeErrorKind.NotFound, unknown.Kind);

        var invalid = await Assert.ThrowsAsync<ComputeException>(() => app.ReserveAsync("", "local", 0, double.NaN, -1, -1));
        Assert.Equal(ComputeErrorKind.InvalidArgument, invalid.Kind);
        Assert.Equal(["cpuCores", "gpus", "instances", "memoryGb", "reservationId"], invalid.Errors.Keys.Order());
    }
}
