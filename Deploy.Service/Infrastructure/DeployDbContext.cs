using Deploy.Service.Infrastructure.Migrations.Legacy;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging.Outbox;

namespace Deploy.Service.Infrastructure;

/// <summary>
/// deploydb. Unlike the other services' databases its columns carry EF's default names (the property names, quoted:
/// "EndpointName"), as its first hand-written migration created them, so it does not use the snake_case convention
/// (<see cref="DatabaseNaming.PropertyNames"/>): renaming every column would change every raw SQL statement against it.
/// The schema comes from the generated migrations in Infrastructure/Migrations, so a change here needs
/// <c>dotnet ef migrations add</c> (see README).
/// </summary>
public sealed class DeployDbContext(DbContextOptions<DeployDbContext> options) : DbContext(options), IHasLegacyMigrationPath
{
    public const DatabaseNaming Naming = DatabaseNaming.PropertyNames;

    public DbSet<EndpointEntity> Endpoints => Set<EndpointEntity>();
    public DbSet<DeploymentEntity> Deployments => Set<DeploymentEntity>();
    public DbSet<DeployRuleEntity> DeployRules => Set<DeployRuleEntity>();
    public DbSet<DeployRuleFiring> DeployRuleFirings => Set<DeployRuleFiring>();
    public DbSet<DeploymentLogEntry> DeploymentLogs => Set<DeploymentLogEntry>();
    public DbSet<RoutingState> RoutingStates => Set<RoutingState>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public LegacyMigrationPath LegacyMigrations => DeployLegacyMigrations.Path;

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<EndpointEntity>(e =>
        {
            e.ToTable("endpoints");
            e.HasKey(x => x.Name);
        });
        model.Entity<DeploymentEntity>(e =>
        {
            e.ToTable("deployments");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.EndpointName, x.Name }).IsUnique();
            e.Property(x => x.Environment).HasMaxLength(300);
            e.Property(x => x.CodeModel).HasMaxLength(300);
            e.Property(x => x.EntryScript).HasMaxLength(512);
            // Defaults of columns added to existing rows.
            e.Property(x => x.UnreadyReplicasJson).HasDefaultValue("[]");
            e.Property(x => x.AllowCpuFallback).HasDefaultValue(false);
        });
        model.Entity<DeployRuleEntity>(e =>
        {
            e.ToTable("deploy_rules");
            e.HasKey(x => x.Name);
            e.HasIndex(x => x.ModelName);
        });
        model.Entity<DeployRuleFiring>(e =>
        {
            e.ToTable("deploy_rule_firings");
            e.HasKey(x => new { x.RuleName, x.ModelVersion });
        });
        model.Entity<DeploymentLogEntry>(e =>
        {
            e.ToTable("deployment_logs");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).UseIdentityByDefaultColumn();
            e.HasIndex(x => new { x.EndpointName, x.DeploymentName, x.Id });
        });
        model.Entity<RoutingState>(e =>
        {
            e.ToTable("routing_state");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
        });
        // The shared transactional outbox (ServiceDefaults).
        model.ConfigureOutbox();
    }
}
