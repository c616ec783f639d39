using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Deploy.Service.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deploy_rule_firings",
                columns: table => new
                {
                    RuleName = table.Column<string>(type: "text", nullable: false),
                    ModelVersion = table.Column<int>(type: "integer", nullable: false),
                    Outcome = table.Column<string>(type: "text", nullable: false),
                    Detail = table.Column<string>(type: "text", nullable: true),
                    FiredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deploy_rule_firings", x => new { x.RuleName, x.ModelVersion });
                });

            migrationBuilder.CreateTable(
                name: "deploy_rules",
                columns: table => new
                {
                    Name = table.Column<string>(type: "text", nullable: false),
                    ModelName = table.Column<string>(type: "text", nullable: false),
                    EndpointName = table.Column<string>(type: "text", nullable: false),
                    DeploymentName = table.Column<string>(type: "text", nullable: false),
                    DeploymentJson = table.Column<string>(type: "text", nullable: false),
                    TrafficPercentile = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deploy_rules", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "deployment_logs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    EndpointName = table.Column<string>(type: "text", nullable: false),
                    DeploymentName = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Level = table.Column<string>(type: "text", nullable: false),
                    Message = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployment_logs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "deployments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    EndpointName = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Model = table.Column<string>(type: "text", nullable: false),
                    Compute = table.Column<string>(type: "text", nullable: false),
                    InstanceCount = table.Column<int>(type: "integer", nullable: false),
                    CpuCores = table.Column<double>(type: "double precision", nullable: false),
                    MemoryGb = table.Column<double>(type: "double precision", nullable: false),
                    Gpus = table.Column<int>(type: "integer", nullable: false),
                    AllowCpuFallback = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    GpuOptionsJson = table.Column<string>(type: "text", nullable: true),
                    Environment = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    CodeModel = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    EntryScript = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    ScriptSchemaJson = table.Column<string>(type: "text", nullable: true),
                    MaxBatchSize = table.Column<int>(type: "integer", nullable: false),
                    MaxQueueDelayMicroseconds = table.Column<long>(type: "bigint", nullable: false),
                    ForceRebuild = table.Column<bool>(type: "boolean", nullable: false),
                    Generation = table.Column<int>(type: "integer", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false),
                    Error = table.Column<string>(type: "text", nullable: true),
                    RolledOutGeneration = table.Column<int>(type: "integer", nullable: false),
                    ServingModel = table.Column<string>(type: "text", nullable: true),
                    NodeModelName = table.Column<string>(type: "text", nullable: true),
                    ReplicasJson = table.Column<string>(type: "text", nullable: false),
                    InputsJson = table.Column<string>(type: "text", nullable: false),
                    OutputsJson = table.Column<string>(type: "text", nullable: false),
                    ReservationId = table.Column<string>(type: "text", nullable: true),
                    UnreadyReplicasJson = table.Column<string>(type: "text", nullable: false, defaultValue: "[]"),
                    PackageKey = table.Column<string>(type: "text", nullable: true),
                    PackageSource = table.Column<string>(type: "text", nullable: true),
                    PackagePath = table.Column<string>(type: "text", nullable: true),
                    PackageInputsJson = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "endpoints",
                columns: table => new
                {
                    Name = table.Column<string>(type: "text", nullable: false),
                    AuthMode = table.Column<string>(type: "text", nullable: false),
                    Description = table.Column<string>(type: "text", nullable: true),
                    TagsJson = table.Column<string>(type: "text", nullable: false),
                    ProvisioningState = table.Column<string>(type: "text", nullable: false),
                    TrafficJson = table.Column<string>(type: "text", nullable: false),
                    MirrorJson = table.Column<string>(type: "text", nullable: false),
                    DefaultDeployment = table.Column<string>(type: "text", nullable: true),
                    ControlDeployment = table.Column<string>(type: "text", nullable: true),
                    MaxBodyBytes = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_endpoints", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "routing_state",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_routing_state", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deploy_rules_ModelName",
                table: "deploy_rules",
                column: "ModelName");

            migrationBuilder.CreateIndex(
                name: "IX_deployment_logs_EndpointName_DeploymentName_Id",
                table: "deployment_logs",
                columns: new[] { "EndpointName", "DeploymentName", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_deployments_EndpointName_Name",
                table: "deployments",
                columns: new[] { "EndpointName", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_unsent",
                table: "outbox_messages",
                column: "occurred_at",
                filter: "sent_at IS NULL");

            // Added by hand to the generated migration: the single row holding the routing version (RoutingState).
            migrationBuilder.Sql("""INSERT INTO routing_state ("Id", "Version") VALUES (1, 0);""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deploy_rule_firings");

            migrationBuilder.DropTable(
                name: "deploy_rules");

            migrationBuilder.DropTable(
                name: "deployment_logs");

            migrationBuilder.DropTable(
                name: "deployments");

            migrationBuilder.DropTable(
                name: "endpoints");

            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "routing_state");
        }
    }
}
