using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Deploy.Service.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Autoscaling : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "DesiredInstances",
                table: "deployments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "LastScalingJson",
                table: "deployments",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ScaleJson",
                table: "deployments",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DesiredInstances",
                table: "deployments");

            migrationBuilder.DropColumn(
                name: "LastScalingJson",
                table: "deployments");

            migrationBuilder.DropColumn(
                name: "ScaleJson",
                table: "deployments");
        }
    }
}
