using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Gateway.Service.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Baseline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "endpoint_credentials",
                columns: table => new
                {
                    endpoint = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    primary_nonce = table.Column<byte[]>(type: "bytea", nullable: false),
                    primary_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    secondary_nonce = table.Column<byte[]>(type: "bytea", nullable: false),
                    secondary_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_endpoint_credentials", x => x.endpoint);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "endpoint_credentials");
        }
    }
}
