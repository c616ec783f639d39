using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Compute.Service.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_targets",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false),
                    purpose = table.Column<string>(type: "text", nullable: true),
                    vm_size = table.Column<string>(type: "text", nullable: true),
                    agent_count = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    provisioning_state = table.Column<string>(type: "text", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    api_server = table.Column<string>(type: "text", nullable: true),
                    @namespace = table.Column<string>(name: "namespace", type: "text", nullable: true),
                    protected_token = table.Column<string>(type: "text", nullable: true),
                    generation = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_compute_targets", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "nodes",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    http_address = table.Column<string>(type: "text", nullable: false),
                    grpc_address = table.Column<string>(type: "text", nullable: false),
                    cpu_cores = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    memory_gb = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    gpus = table.Column<int>(type: "integer", nullable: false),
                    in_use_cpu_cores = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false, defaultValue: 0m),
                    in_use_memory_gb = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false, defaultValue: 0m),
                    in_use_gpus = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    loaded_models = table.Column<string[]>(type: "text[]", nullable: false, defaultValueSql: "'{}'::text[]"),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_nodes", x => x.name);
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
                name: "reservations",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    compute_name = table.Column<string>(type: "text", nullable: false),
                    instances = table.Column<int>(type: "integer", nullable: false),
                    cpu_cores = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    memory_gb = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    gpus = table.Column<int>(type: "integer", nullable: false),
                    quota_cores = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reservations", x => x.id);
                    table.CheckConstraint("reservations_cpu_cores_check", "cpu_cores > 0");
                    table.CheckConstraint("reservations_gpus_check", "gpus >= 0");
                    table.CheckConstraint("reservations_instances_check", "instances > 0");
                    table.CheckConstraint("reservations_memory_gb_check", "memory_gb >= 0");
                    table.ForeignKey(
                        name: "fk_reservations_compute_targets_compute_name",
                        column: x => x.compute_name,
                        principalTable: "compute_targets",
                        principalColumn: "name",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "reservation_replicas",
                columns: table => new
                {
                    reservation_id = table.Column<string>(type: "text", nullable: false),
                    ordinal = table.Column<int>(type: "integer", nullable: false),
                    node_name = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reservation_replicas", x => new { x.reservation_id, x.ordinal });
                    table.ForeignKey(
                        name: "fk_reservation_replicas_nodes_node_name",
                        column: x => x.node_name,
                        principalTable: "nodes",
                        principalColumn: "name",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_reservation_replicas_reservations_reservation_id",
                        column: x => x.reservation_id,
                        principalTable: "reservations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_compute_targets_provisioning_state",
                table: "compute_targets",
                column: "provisioning_state");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_unsent",
                table: "outbox_messages",
                column: "occurred_at",
                filter: "sent_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_reservation_replicas_node_name",
                table: "reservation_replicas",
                column: "node_name");

            migrationBuilder.CreateIndex(
                name: "ix_reservations_compute_name",
                table: "reservations",
                column: "compute_name");

            // Added by hand to the generated migration: what EF cannot model.
            // Names are unique regardless of case ("Dev1" and "dev1" would confuse every user): an expression index.
            migrationBuilder.Sql("CREATE UNIQUE INDEX ix_compute_targets_lower_name ON compute_targets (lower(name));");
            // The built-in target made of this machine's inference nodes: it always exists.
            migrationBuilder.Sql("""
                INSERT INTO compute_targets (name, type, agent_count, provisioning_state, generation, created_at, updated_at)
                VALUES ('local', 'local', 0, 'Succeeded', 0, now(), now());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "reservation_replicas");

            migrationBuilder.DropTable(
                name: "nodes");

            migrationBuilder.DropTable(
                name: "reservations");

            migrationBuilder.DropTable(
                name: "compute_targets");
        }
    }
}
