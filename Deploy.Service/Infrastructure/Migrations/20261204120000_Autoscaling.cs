using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand, like the others (issue 13): a deployment's autoscaling settings, the live instance count the
// autoscaler asks for (0 means instanceCount, so existing rows keep their count) and its last change. One migration,
// self-contained: it only adds columns.
[DbContext(typeof(DeployDbContext))]
[Migration("20261204120000_Autoscaling")]
public sealed class Autoscaling : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments ADD COLUMN "ScaleJson" text NULL;
            ALTER TABLE deployments ADD COLUMN "DesiredInstances" integer NOT NULL DEFAULT 0;
            ALTER TABLE deployments ADD COLUMN "LastScalingJson" text NULL;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments DROP COLUMN "ScaleJson";
            ALTER TABLE deployments DROP COLUMN "DesiredInstances";
            ALTER TABLE deployments DROP COLUMN "LastScalingJson";
            """);
    }
}
