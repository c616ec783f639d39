using Microsoft.EntityFrameworkCore;
using Registry.Service.Infrastructure;
using Registry.Tests.Support;
using ServiceDefaults.Data;
using TestSupport;

namespace Registry.Tests.Migrations;

[Collection(nameof(InfrastructureCollection))]
public sealed class RegistryMigrationTests(InfrastructureFixture infrastructure)
    : MigrationTestsBase<RegistryDbContext>(infrastructure, "reg_migrations", DatabaseNaming.SnakeCase)
{
    [Fact]
    public async Task A_model_registered_on_the_hand_written_schema_reads_back_whole_after_the_upgrade()
    {
        var legacy = await LegacyDatabaseAsync("data");
        await MigrationPaths.ExecuteAsync(legacy, """
            INSERT INTO models (name, last_version, created_at) VALUES ('iris', 2, '2026-11-30T10:00:00Z');
            INSERT INTO model_versions (name, version, framework, description, model_file, onnx, created_at)
            VALUES ('iris', 1, 'onnx', 'first', 'model.onnx', '{"inputs":[]}', '2026-11-30T10:00:00Z'),
                   ('iris', 2, 'onnx', 'second', 'model.onnx', NULL, '2026-11-30T11:00:00Z');
            INSERT INTO model_files (name, version, path, size, sha256)
            VALUES ('iris', 2, 'model.onnx', 1234, repeat('a', 64));
            INSERT INTO model_tags (name, version, key, value) VALUES ('iris', 2, 'stage', 'prod');
            INSERT INTO model_uses (name, version, "user", created_at) VALUES ('iris', 2, 'ep/blue', '2026-11-30T12:00:00Z');
            INSERT INTO outbox_messages (id, type, payload, occurred_at) VALUES (gen_random_uuid(), 'ModelRegistered', '{}', now());
            """);

        Assert.True(await MigrateAsync(legacy));

        await using var db = Context(legacy);
        var model = await db.Models.SingleAsync();
        Assert.Equal(("iris", 2), (model.Name, model.LastVersion));
        var version = await db.ModelVersions.Include(v => v.Files).Include(v => v.Tags).Include(v => v.Uses)
            .SingleAsync(v => v.Name == "iris" && v.Version == 2);
        Assert.Equal("second", version.Description);
        Assert.Equal(1234, Assert.Single(version.Files).Size);
        Assert.Equal(("stage", "prod"), (Assert.Single(version.Tags).Key, version.Tags[0].Value));
        Assert.Equal("ep/blue", Assert.Single(version.Uses).User);
        Assert.Contains("inputs", (await db.ModelVersions.SingleAsync(v => v.Version == 1)).OnnxJson);
        Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.SentAt == null));

        // The renamed keys still hold: PostgreSQL refuses to delete a version in use.
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            MigrationPaths.ExecuteAsync(legacy, "DELETE FROM model_versions WHERE name = 'iris' AND version = 2"));
        Assert.Equal(Npgsql.PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);
        Assert.Equal("fk_model_uses_model_versions_name_version", refused.ConstraintName);
    }
}
