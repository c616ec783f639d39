using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Registry.Service.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "environment_builds",
                columns: table => new
                {
                    hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    log = table.Column<string>(type: "text", nullable: false, defaultValue: ""),
                    error = table.Column<string>(type: "text", nullable: true),
                    python_path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    source_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    source_version = table.Column<int>(type: "integer", nullable: false),
                    reused = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_environment_builds", x => x.hash);
                });

            migrationBuilder.CreateTable(
                name: "environments",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    last_version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_environments", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    last_version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_models", x => x.name);
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
                name: "environment_versions",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    description = table.Column<string>(type: "text", nullable: false, defaultValue: ""),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    spec_file = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    python = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_environment_versions", x => new { x.name, x.version });
                    table.CheckConstraint("environment_versions_version_check", "version >= 1");
                    table.ForeignKey(
                        name: "fk_environment_versions_environment_builds_hash",
                        column: x => x.hash,
                        principalTable: "environment_builds",
                        principalColumn: "hash");
                    table.ForeignKey(
                        name: "fk_environment_versions_environments_name",
                        column: x => x.name,
                        principalTable: "environments",
                        principalColumn: "name");
                });

            migrationBuilder.CreateTable(
                name: "model_versions",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    framework = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false, defaultValue: ""),
                    model_file = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    onnx = table.Column<string>(type: "jsonb", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_versions", x => new { x.name, x.version });
                    table.CheckConstraint("model_versions_version_check", "version >= 1");
                    table.ForeignKey(
                        name: "fk_model_versions_models_name",
                        column: x => x.name,
                        principalTable: "models",
                        principalColumn: "name");
                });

            migrationBuilder.CreateTable(
                name: "environment_files",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_environment_files", x => new { x.name, x.version, x.path });
                    table.CheckConstraint("environment_files_size_check", "size >= 0");
                    table.ForeignKey(
                        name: "fk_environment_files_environment_versions_name_version",
                        columns: x => new { x.name, x.version },
                        principalTable: "environment_versions",
                        principalColumns: new[] { "name", "version" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_files",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_files", x => new { x.name, x.version, x.path });
                    table.CheckConstraint("model_files_size_check", "size >= 0");
                    table.ForeignKey(
                        name: "fk_model_files_model_versions_name_version",
                        columns: x => new { x.name, x.version },
                        principalTable: "model_versions",
                        principalColumns: new[] { "name", "version" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_tags",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    value = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_tags", x => new { x.name, x.version, x.key });
                    table.ForeignKey(
                        name: "fk_model_tags_model_versions_name_version",
                        columns: x => new { x.name, x.version },
                        principalTable: "model_versions",
                        principalColumns: new[] { "name", "version" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_uses",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    user = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_uses", x => new { x.name, x.version, x.user });
                    table.ForeignKey(
                        name: "fk_model_uses_model_versions_name_version",
                        columns: x => new { x.name, x.version },
                        principalTable: "model_versions",
                        principalColumns: new[] { "name", "version" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_environment_builds_pending",
                table: "environment_builds",
                column: "queued_at",
                filter: "state IN ('Queued', 'Building')");

            migrationBuilder.CreateIndex(
                name: "ix_environment_files_sha256",
                table: "environment_files",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_environment_versions_hash",
                table: "environment_versions",
                column: "hash");

            migrationBuilder.CreateIndex(
                name: "ix_model_files_sha256",
                table: "model_files",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_model_tags_key_value",
                table: "model_tags",
                columns: new[] { "key", "value" });

            migrationBuilder.CreateIndex(
                name: "ix_model_uses_user",
                table: "model_uses",
                column: "user");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_unsent",
                table: "outbox_messages",
                column: "occurred_at",
                filter: "sent_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "environment_files");

            migrationBuilder.DropTable(
                name: "model_files");

            migrationBuilder.DropTable(
                name: "model_tags");

            migrationBuilder.DropTable(
                name: "model_uses");

            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "environment_versions");

            migrationBuilder.DropTable(
                name: "model_versions");

            migrationBuilder.DropTable(
                name: "environment_builds");

            migrationBuilder.DropTable(
                name: "environments");

            migrationBuilder.DropTable(
                name: "models");
        }
    }
}
