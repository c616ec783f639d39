using Compute.Service.Infrastructure;
using Compute.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Data;
using TestSupport;

namespace Compute.Tests.Migrations;

[Collection(nameof(InfrastructureCollection))]
public sealed class ComputeMigrationTests(InfrastructureFixture infrastructure)
    : MigrationTestsBase<ComputeDbContext>(infrastructure, "cmp_migrations", DatabaseNaming.SnakeCase)
{
    [Fact]
    public async Task Targets_nodes_and_reservations_written_on_the_hand_written_schema_read_back_after_the_upgrade()
    {
        var legacy = await LegacyDatabaseAsync("data");
        await MigrationPaths.ExecuteAsync(legacy, """
            INSERT INTO compute_targets (name, type, agent_count, provisioning_state, api_server, namespace, protected_token, generation, created_at, updated_at)
            VALUES ('Dev1', 'kubernetes', 3, 'Succeeded', 'https://k8s:6443', 'ml', 'protected', 2, now(), now());
            INSERT INTO nodes (name, http_address, grpc_address, cpu_cores, memory_gb, gpus, loaded_models, registered_at, last_heartbeat_at)
            VALUES ('node-0', 'http://127.0.0.1:7001', 'http://127.0.0.1:7002', 4, 8, 0, '{iris:2}', now(), now());
            INSERT INTO reservations (id, compute_name, instances, cpu_cores, memory_gb, gpus, quota_cores, created_at)
            VALUES ('res-1', 'local', 1, 0.5, 1, 0, 0, now());
            INSERT INTO reservation_replicas (reservation_id, ordinal, node_name) VALUES ('res-1', 0, 'node-0');
            """);

        Assert.True(await MigrateAsync(legacy));

        await using var db = Context(legacy);
        Assert.Equal(["Dev1", "local"], await db.ComputeTargets.OrderBy(t => t.Name).Select(t => t.Name).ToListAsync());
        var dev = await db.ComputeTargets.SingleAsync(t => t.Name == "Dev1");
        Assert.Equal(("ml", "protected", 2), (dev.Namespace, dev.ProtectedToken, dev.Generation));
        var node = await db.Nodes.SingleAsync();
        Assert.Equal((4m, 0m), (node.CpuCores, node.InUseCpuCores));
        Assert.Equal(["iris:2"], node.LoadedModels);
        var reservation = await db.Reservations.Include(r => r.Replicas).SingleAsync();
        Assert.Equal("node-0", Assert.Single(reservation.Replicas).NodeName);

        // The case-insensitive name index survived the upgrade.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => MigrationPaths.ExecuteAsync(legacy, """
            INSERT INTO compute_targets (name, type, provisioning_state, created_at, updated_at) VALUES ('dev1', 'kubernetes', 'Succeeded', now(), now());
            """));
    }

    [Fact]
    public async Task A_new_database_has_the_built_in_local_target()
    {
        var fresh = await DatabaseAsync("local");
        await MigrateAsync(fresh);
        await using var db = Context(fresh);
        Assert.Equal("local", (await db.ComputeTargets.SingleAsync()).Name);
    }
}
