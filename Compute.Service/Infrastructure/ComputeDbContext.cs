using Compute.Service.Infrastructure.Migrations.Legacy;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Infrastructure;

/// <summary>
/// computedb. Tables and columns are named by the snake_case convention (ServiceDefaults' AddServiceDatabase); the schema
/// comes from the generated migrations in Infrastructure/Migrations, so a change here needs <c>dotnet ef migrations add</c>
/// (see README).
/// </summary>
public sealed class ComputeDbContext(DbContextOptions<ComputeDbContext> options) : DbContext(options), IHasLegacyMigrationPath
{
    public DbSet<ComputeTargetEntity> ComputeTargets => Set<ComputeTargetEntity>();
    public DbSet<NodeEntity> Nodes => Set<NodeEntity>();
    public DbSet<ReservationEntity> Reservations => Set<ReservationEntity>();
    public DbSet<ReplicaEntity> Replicas => Set<ReplicaEntity>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public LegacyMigrationPath LegacyMigrations => ComputeLegacyMigrations.Path;

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ComputeTargetEntity>(e =>
        {
            e.HasKey(x => x.Name);
            e.Property(x => x.AgentCount).HasDefaultValue(0);
            e.Property(x => x.Generation).HasDefaultValue(0);
            e.HasIndex(x => x.ProvisioningState);
            e.Ignore(x => x.IsBuiltIn);
            // Names are also unique regardless of case ("Dev1" and "dev1" would confuse every user): an index on
            // lower(name), which EF cannot model, created by the baseline migration's own SQL.
        });
        model.Entity<NodeEntity>(e =>
        {
            e.HasKey(x => x.Name);
            e.Property(x => x.CpuCores).HasPrecision(12, 4);
            e.Property(x => x.MemoryGb).HasPrecision(12, 4);
            // Node registration inserts with SQL of its own and leaves these to their defaults.
            e.Property(x => x.InUseCpuCores).HasPrecision(12, 4).HasDefaultValue(0m);
            e.Property(x => x.InUseMemoryGb).HasPrecision(12, 4).HasDefaultValue(0m);
            e.Property(x => x.InUseGpus).HasDefaultValue(0);
            e.Property(x => x.LoadedModels).HasDefaultValueSql("'{}'::text[]");
        });
        model.Entity<ReservationEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.ToTable(t =>
            {
                t.HasCheckConstraint("reservations_instances_check", "instances > 0");
                t.HasCheckConstraint("reservations_cpu_cores_check", "cpu_cores > 0");
                t.HasCheckConstraint("reservations_memory_gb_check", "memory_gb >= 0");
                t.HasCheckConstraint("reservations_gpus_check", "gpus >= 0");
            });
            e.Property(x => x.CpuCores).HasPrecision(12, 4);
            e.Property(x => x.MemoryGb).HasPrecision(12, 4);
            e.Property(x => x.QuotaCores).HasPrecision(12, 4);
            e.HasOne<ComputeTargetEntity>().WithMany().HasForeignKey(x => x.ComputeName).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Replicas).WithOne().HasForeignKey(x => x.ReservationId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<ReplicaEntity>(e =>
        {
            // Not "replicas", the name the convention would take from the DbSet.
            e.ToTable("reservation_replicas");
            e.HasKey(x => new { x.ReservationId, x.Ordinal });
            e.HasOne<NodeEntity>().WithMany().HasForeignKey(x => x.NodeName).OnDelete(DeleteBehavior.Restrict);
        });
        model.ConfigureOutbox();
    }
}
