using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Messaging.Outbox;

namespace Deploy.Service.Infrastructure;

public sealed class DeployDbContext(DbContextOptions<DeployDbContext> options) : DbContext(options)
{
    public DbSet<EndpointEntity> Endpoints => Set<EndpointEntity>();
    public DbSet<DeploymentEntity> Deployments => Set<DeploymentEntity>();
    public DbSet<DeployRuleEntity> DeployRules => Set<DeployRuleEntity>();
    public DbSet<DeployRuleFiring> DeployRuleFirings => Set<DeployRuleFiring>();
    public DbSet<DeploymentLogEntry> DeploymentLogs => Set<DeploymentLogEntry>();
    public DbSet<RoutingState> RoutingStates => Set<RoutingState>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

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
        // The shared transactional outbox (ServiceDefaults), created by Migrations/20261122020000_Outbox.cs.
        model.ConfigureOutbox();
    }
}
