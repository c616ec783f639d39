using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using TestSupport;

namespace Deploy.Tests.Migrations;

[Collection(nameof(InfrastructureCollection))]
public sealed class DeployMigrationTests(InfrastructureFixture infrastructure)
    : MigrationTestsBase<DeployDbContext>(infrastructure, "dep_migrations", DeployDbContext.Naming)
{
    [Fact]
    public async Task An_endpoint_and_deployment_written_by_the_first_hand_written_schema_read_back_after_the_upgrade()
    {
        // The oldest schema (before replica health, GPU settings and scoring scripts): the upgrade adds those columns too.
        var legacy = await LegacyDatabaseAsync("data", steps: 1);
        var id = Guid.NewGuid();
        await MigrationPaths.ExecuteAsync(legacy, $$"""
            INSERT INTO endpoints ("Name", "AuthMode", "Description", "TagsJson", "ProvisioningState", "TrafficJson", "MirrorJson",
                                   "DefaultDeployment", "MaxBodyBytes", "CreatedAt", "UpdatedAt")
            VALUES ('iris-ep', 'key', 'demo', '{}', 'Succeeded', '{"blue":100}', '{}', 'blue', 1048576, now(), now());
            INSERT INTO deployments ("Id", "EndpointName", "Name", "CreatedAt", "UpdatedAt", "Model", "Compute", "InstanceCount",
                                     "CpuCores", "MemoryGb", "Gpus", "MaxBatchSize", "MaxQueueDelayMicroseconds", "ForceRebuild",
                                     "Generation", "State", "RolledOutGeneration", "ServingModel", "ReplicasJson", "InputsJson",
                                     "OutputsJson", "ReservationId", "PackageInputsJson")
            VALUES ('{{id}}', 'iris-ep', 'blue', now(), now(), 'iris:2', 'local', 2, 0.5, 1, 0, 8, 500, false,
                    3, 'Succeeded', 3, 'iris:2', '[{"node":"node-0"}]', '[]', '[]', 'res-1', '[]');
            UPDATE routing_state SET "Version" = 7;
            """);

        Assert.True(await MigrateAsync(legacy));

        await using var db = Context(legacy);
        var endpoint = await db.Endpoints.SingleAsync();
        Assert.Equal(("iris-ep", "blue", """{"blue":100}"""), (endpoint.Name, endpoint.DefaultDeployment, endpoint.TrafficJson));
        var deployment = await db.Deployments.SingleAsync();
        Assert.Equal((id, "blue", "iris:2", 2, 3), (deployment.Id, deployment.Name, deployment.ServingModel, deployment.InstanceCount, deployment.RolledOutGeneration));
        Assert.Equal(("res-1", """[{"node":"node-0"}]"""), (deployment.ReservationId, deployment.ReplicasJson));
        // Columns the later hand-written steps added, with the values they gave existing rows.
        Assert.Equal("[]", deployment.UnreadyReplicasJson);
        Assert.False(deployment.AllowCpuFallback);
        Assert.Null(deployment.Environment);
        Assert.Equal(7, (await db.RoutingStates.SingleAsync()).Version);
    }
}
