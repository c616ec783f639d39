using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Infrastructure.Migrations;

/// <summary>Written by hand (no EF design-time package here): the shared transactional outbox's table.</summary>
[DbContext(typeof(ComputeDbContext))]
[Migration("20261122010000_Outbox")]
public sealed class Outbox : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(OutboxSchema.CreateTableSql);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(OutboxSchema.DropTableSql);
}
