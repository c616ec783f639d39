using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand, like the others: a deployment asking for GPUs may serve on CPU when none can be had, and may set
// ONNX Runtime's GPU provider options.
[DbContext(typeof(DeployDbContext))]
[Migration("20261204000000_GpuSettings")]
public sealed class GpuSettings : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments ADD COLUMN "AllowCpuFallback" boolean NOT NULL DEFAULT false;
            ALTER TABLE deployments ADD COLUMN "GpuOptionsJson" text NULL;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments DROP COLUMN "AllowCpuFallback";
            ALTER TABLE deployments DROP COLUMN "GpuOptionsJson";
            """);
    }
}
