using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Infrastructure;

public sealed class ComputeDbContext(DbContextOptions<ComputeDbContext> options) : DbContext(options)
{
    public DbSet<ComputeTargetEntity> ComputeTargets => Set<ComputeTargetEntity>();
    public DbSet<NodeEntity> Nodes => Set<NodeEntity>();
    public DbSet<ReservationEntity> Reservations => Set<ReservationEntity>();
    public DbSet<ReplicaEntity> Replicas => Set<ReplicaEntity>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    // Mirrors the hand-written migration (Infrastructure/Migrations): keep both in step.
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ComputeTargetEntity>(e =>
        {
            e.ToTable("compute_targets");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Type).HasColumnName("type");
            e.Property(x => x.Purpose).HasColumnName("purpose");
            e.Property(x => x.VmSize).HasColumnName("vm_size");
            e.Property(x => x.AgentCount).HasColumnName("agent_count");
            e.Property(x => x.ProvisioningState).HasColumnName("provisioning_state");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.ApiServer).HasColumnName("api_server");
            e.Property(x => x.Namespace).HasColumnName("namespace");
            e.Property(x => x.ProtectedToken).HasColumnName("protected_token");
            e.Property(x => x.Generation).HasColumnName("generation");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            e.Ignore(x => x.IsBuiltIn);
        });
        model.Entity<NodeEntity>(e =>
        {
            e.ToTable("nodes");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.HttpAddress).HasColumnName("http_address");
            e.Property(x => x.GrpcAddress).HasColumnName("grpc_address");
            e.Property(x => x.CpuCores).HasColumnName("cpu_cores").HasPrecision(12, 4);
            e.Property(x => x.MemoryGb).HasColumnName("memory_gb").HasPrecision(12, 4);
            e.Property(x => x.Gpus).HasColumnName("gpus");
            e.Property(x => x.InUseCpuCores).HasColumnName("in_use_cpu_cores").HasPrecision(12, 4);
            e.Property(x => x.InUseMemoryGb).HasColumnName("in_use_memory_gb").HasPrecision(12, 4);
            e.Property(x => x.InUseGpus).HasColumnName("in_use_gpus");
            e.Property(x => x.LoadedModels).HasColumnName("loaded_models");
            e.Property(x => x.RegisteredAt).HasColumnName("registered_at");
            e.Property(x => x.LastHeartbeatAt).HasColumnName("last_heartbeat_at");
        });
        model.Entity<ReservationEntity>(e =>
        {
            e.ToTable("reservations");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.ComputeName).HasColumnName("compute_name");
            e.Property(x => x.Instances).HasColumnName("instances");
            e.Property(x => x.CpuCores).HasColumnName("cpu_cores").HasPrecision(12, 4);
            e.Property(x => x.MemoryGb).HasColumnName("memory_gb").HasPrecision(12, 4);
            e.Property(x => x.Gpus).HasColumnName("gpus");
            e.Property(x => x.QuotaCores).HasColumnName("quota_cores").HasPrecision(12, 4);
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.HasOne<ComputeTargetEntity>().WithMany().HasForeignKey(x => x.ComputeName).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Replicas).WithOne().HasForeignKey(x => x.ReservationId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<ReplicaEntity>(e =>
        {
            e.ToTable("reservation_replicas");
            e.HasKey(x => new { x.ReservationId, x.Ordinal });
            e.Property(x => x.ReservationId).HasColumnName("reservation_id");
            e.Property(x => x.Ordinal).HasColumnName("ordinal");
            e.Property(x => x.NodeName).HasColumnName("node_name");
            e.HasOne<NodeEntity>().WithMany().HasForeignKey(x => x.NodeName).OnDelete(DeleteBehavior.Restrict);
        });
        // The shared transactional outbox (ServiceDefaults), created by Migrations/20261122010000_Outbox.cs.
        model.ConfigureOutbox();
    }
}
