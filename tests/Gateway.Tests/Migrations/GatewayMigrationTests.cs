using Gateway.Service.Infrastructure;
using Gateway.Tests.Support;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Data;
using TestSupport;

namespace Gateway.Tests.Migrations;

[Collection(nameof(InfrastructureCollection))]
public sealed class GatewayMigrationTests(InfrastructureFixture infrastructure)
    : MigrationTestsBase<GatewayDbContext>(infrastructure, "gw_migrations", DatabaseNaming.SnakeCase)
{
    [Fact]
    public async Task An_endpoint_key_stored_on_the_hand_written_schema_reads_back_after_the_upgrade()
    {
        var legacy = await LegacyDatabaseAsync("data");
        await MigrationPaths.ExecuteAsync(legacy, """
            INSERT INTO endpoint_credentials (endpoint, primary_nonce, primary_hash, secondary_nonce, secondary_hash, created_at, updated_at)
            VALUES ('iris-ep', '\x0102', '\x0304', '\x0506', '\x0708', '2026-11-30T10:00:00Z', '2026-11-30T10:00:00Z');
            """);

        Assert.True(await MigrateAsync(legacy));

        await using var db = Context(legacy);
        var key = await db.EndpointCredentials.SingleAsync();
        Assert.Equal("iris-ep", key.Endpoint);
        Assert.Equal(new byte[] { 1, 2 }, key.PrimaryNonce);
        Assert.Equal(new byte[] { 3, 4 }, key.PrimaryHash);
        Assert.Equal(new byte[] { 5, 6 }, key.SecondaryNonce);
        Assert.Equal(new byte[] { 7, 8 }, key.SecondaryHash);
    }
}
