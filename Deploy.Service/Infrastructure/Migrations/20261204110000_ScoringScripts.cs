using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Deploy.Service.Infrastructure.Migrations;

// Written by hand, like the others (issue 15): a deployment may run an entry script in an environment instead of
// serving an ONNX model directly. Self-contained: it only adds nullable columns.
[DbContext(typeof(DeployDbContext))]
[Migration("20261204110000_ScoringScripts")]
public sealed class ScoringScripts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments ADD COLUMN "Environment" varchar(300) NULL;
            ALTER TABLE deployments ADD COLUMN "CodeModel" varchar(300) NULL;
            ALTER TABLE deployments ADD COLUMN "EntryScript" varchar(512) NULL;
            ALTER TABLE deployments ADD COLUMN "ScriptSchemaJson" text NULL;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE deployments DROP COLUMN "Environment";
            ALTER TABLE deployments DROP COLUMN "CodeModel";
            ALTER TABLE deployments DROP COLUMN "EntryScript";
            ALTER TABLE deployments DROP COLUMN "ScriptSchemaJson";
            """);
    }
}
