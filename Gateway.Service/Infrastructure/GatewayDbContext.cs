using Microsoft.EntityFrameworkCore;

namespace Gateway.Service.Infrastructure;

public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options)
{
    public DbSet<EndpointCredential> EndpointCredentials => Set<EndpointCredential>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EndpointCredential>(e =>
        {
            e.ToTable("endpoint_credentials");
            e.HasKey(x => x.Endpoint);
            e.Property(x => x.Endpoint).HasColumnName("endpoint").HasMaxLength(255);
            e.Property(x => x.PrimaryNonce).HasColumnName("primary_nonce").IsRequired();
            e.Property(x => x.PrimaryHash).HasColumnName("primary_hash").IsRequired();
            e.Property(x => x.SecondaryNonce).HasColumnName("secondary_nonce").IsRequired();
            e.Property(x => x.SecondaryHash).HasColumnName("secondary_hash").IsRequired();
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
    }
}
