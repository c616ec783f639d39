using Gateway.Service.Infrastructure.Migrations.Legacy;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Data;

namespace Gateway.Service.Infrastructure;

/// <summary>
/// gatewaydb. Tables and columns are named by the snake_case convention (ServiceDefaults' AddServiceDatabase); the schema
/// comes from the generated migrations in Infrastructure/Migrations, so a change here needs <c>dotnet ef migrations add</c>
/// (see README).
/// </summary>
public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options), IHasLegacyMigrationPath
{
    public DbSet<EndpointCredential> EndpointCredentials => Set<EndpointCredential>();

    public LegacyMigrationPath LegacyMigrations => GatewayLegacyMigrations.Path;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EndpointCredential>(e =>
        {
            e.HasKey(x => x.Endpoint);
            e.Property(x => x.Endpoint).HasMaxLength(255);
        });
    }
}
