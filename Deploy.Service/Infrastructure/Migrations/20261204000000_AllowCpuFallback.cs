using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand, like the others: a deployment asking for GPUs may serve on CPU when none can be had.
[DbContext(typeof(DeployDbContext))]
[Migration("20261204000000_AllowCpuFallback")]
public sealed class AllowCpuFallback : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments ADD COLUMN "AllowCpuFallback" boolean NOT NULL DEFAULT false;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments DROP COLUMN "AllowCpuFallback";
            """);
    }
}
