using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Migrations.Internal;

namespace ServiceDefaults.Data;

/// <summary>
/// Keeps __EFMigrationsHistory as EF names it ("MigrationId", "ProductVersion", "PK___EFMigrationsHistory") under the
/// snake_case convention, which would otherwise rename its columns too: every existing database has the table with
/// EF's names, and EF would no longer read it (it would re-run every migration).
/// </summary>
#pragma warning disable EF1001 // Npgsql's history repository is the documented way in, though it sits in an Internal namespace.
internal sealed class HistoryTableNames(HistoryRepositoryDependencies dependencies) : NpgsqlHistoryRepository(dependencies)
{
    protected override void ConfigureTable(EntityTypeBuilder<HistoryRow> history)
    {
        base.ConfigureTable(history);
        history.HasKey(h => h.MigrationId).HasName("PK___EFMigrationsHistory");
        history.Property(h => h.MigrationId).HasColumnName("MigrationId");
        history.Property(h => h.ProductVersion).HasColumnName("ProductVersion");
    }
}
#pragma warning restore EF1001
