using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ServiceDefaults.Messaging.Outbox;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand (the EF design-time package is not available here): the shared transactional outbox's table.
[DbContext(typeof(DeployDbContext))]
[Migration("20261122020000_Outbox")]
public sealed class Outbox : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(OutboxSchema.CreateTableSql);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(OutboxSchema.DropTableSql);
}
