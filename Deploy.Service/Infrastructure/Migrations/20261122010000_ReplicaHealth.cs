using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand (the EF design-time package is not available here): the replicas the health watcher took out of routing.
[DbContext(typeof(DeployDbContext))]
[Migration("20261122010000_ReplicaHealth")]
public sealed class ReplicaHealth : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments ADD COLUMN "UnreadyReplicasJson" text NOT NULL DEFAULT '[]';
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments DROP COLUMN "UnreadyReplicasJson";
            """);
    }
}
