using Microsoft.EntityFrameworkCore;
using Registry.Service.Environments;
using Registry.Service.Infrastructure.Migrations.Legacy;
using Registry.Service.Models;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging.Outbox;

namespace Registry.Service.Infrastructure;

/// <summary>
/// registrydb. Tables and columns are named by the snake_case convention (ServiceDefaults' AddServiceDatabase); the
/// schema comes from the generated migrations in Infrastructure/Migrations, so a change here needs
/// <c>dotnet ef migrations add</c> (see README). Keys that matter for correctness: models.last_version numbers versions
/// under a row lock; model_uses references model_versions ON DELETE RESTRICT, so PostgreSQL itself refuses to delete a
/// version in use, even against a concurrent AcquireModelUse.
/// </summary>
public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : DbContext(options), IHasLegacyMigrationPath
{
    public DbSet<Model> Models => Set<Model>();
    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();
    public DbSet<ModelFile> ModelFiles => Set<ModelFile>();
    public DbSet<ModelTag> ModelTags => Set<ModelTag>();
    public DbSet<ModelUse> ModelUses => Set<ModelUse>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<EnvironmentEntry> Environments => Set<EnvironmentEntry>();
    public DbSet<EnvironmentVersion> EnvironmentVersions => Set<EnvironmentVersion>();
    public DbSet<EnvironmentFile> EnvironmentFiles => Set<EnvironmentFile>();
    public DbSet<EnvironmentBuild> EnvironmentBuilds => Set<EnvironmentBuild>();

    public LegacyMigrationPath LegacyMigrations => RegistryLegacyMigrations.Path;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Model>(e =>
        {
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasMaxLength(255);
        });

        modelBuilder.Entity<ModelVersion>(e =>
        {
            e.HasKey(v => new { v.Name, v.Version });
            e.ToTable(t => t.HasCheckConstraint("model_versions_version_check", "version >= 1"));
            e.Property(v => v.Name).HasMaxLength(255);
            e.Property(v => v.Framework).HasMaxLength(64);
            e.Property(v => v.Description).HasDefaultValue("");
            e.Property(v => v.ModelFile).HasMaxLength(1024);
            e.Property(v => v.OnnxJson).HasColumnName("onnx").HasColumnType("jsonb");
            e.Ignore(v => v.Id);
            e.HasOne<Model>().WithMany().HasForeignKey(v => v.Name).OnDelete(DeleteBehavior.ClientNoAction);
            e.HasMany(v => v.Files).WithOne().HasForeignKey(f => new { f.Name, f.Version }).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(v => v.Tags).WithOne().HasForeignKey(t => new { t.Name, t.Version }).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(v => v.Uses).WithOne().HasForeignKey(u => new { u.Name, u.Version }).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ModelFile>(e =>
        {
            e.HasKey(f => new { f.Name, f.Version, f.Path });
            e.ToTable(t => t.HasCheckConstraint("model_files_size_check", "size >= 0"));
            e.Property(f => f.Name).HasMaxLength(255);
            e.Property(f => f.Path).HasMaxLength(1024);
            e.Property(f => f.Sha256).HasMaxLength(64).IsFixedLength();
            // The orphan-blob collector asks "does any row still reference this blob?".
            e.HasIndex(f => f.Sha256);
        });

        modelBuilder.Entity<ModelTag>(e =>
        {
            e.HasKey(t => new { t.Name, t.Version, t.Key });
            e.Property(t => t.Name).HasMaxLength(255);
            e.Property(t => t.Key).HasMaxLength(128);
            e.Property(t => t.Value).HasMaxLength(256);
            e.HasIndex(t => new { t.Key, t.Value });
        });

        modelBuilder.Entity<ModelUse>(e =>
        {
            e.HasKey(u => new { u.Name, u.Version, u.User });
            e.Property(u => u.Name).HasMaxLength(255);
            e.Property(u => u.User).HasMaxLength(255);
            e.HasIndex(u => u.User);
        });

        ConfigureEnvironments(modelBuilder);

        modelBuilder.ConfigureOutbox();
    }

    private static void ConfigureEnvironments(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EnvironmentEntry>(e =>
        {
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasMaxLength(255);
        });

        modelBuilder.Entity<EnvironmentVersion>(e =>
        {
            e.HasKey(v => new { v.Name, v.Version });
            e.ToTable(t => t.HasCheckConstraint("environment_versions_version_check", "version >= 1"));
            e.Property(v => v.Name).HasMaxLength(255);
            e.Property(v => v.Description).HasDefaultValue("");
            e.Property(v => v.Kind).HasMaxLength(16);
            e.Property(v => v.SpecFile).HasMaxLength(1024);
            e.Property(v => v.Python).HasMaxLength(16);
            e.Property(v => v.Hash).HasMaxLength(64).IsFixedLength();
            e.Ignore(v => v.Id);
            e.HasOne<EnvironmentEntry>().WithMany().HasForeignKey(v => v.Name).OnDelete(DeleteBehavior.ClientNoAction);
            e.HasOne<EnvironmentBuild>().WithMany().HasForeignKey(v => v.Hash).OnDelete(DeleteBehavior.ClientNoAction);
            e.HasMany(v => v.Files).WithOne().HasForeignKey(f => new { f.Name, f.Version }).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<EnvironmentFile>(e =>
        {
            e.HasKey(f => new { f.Name, f.Version, f.Path });
            e.ToTable(t => t.HasCheckConstraint("environment_files_size_check", "size >= 0"));
            e.Property(f => f.Name).HasMaxLength(255);
            e.Property(f => f.Path).HasMaxLength(1024);
            e.Property(f => f.Sha256).HasMaxLength(64).IsFixedLength();
            e.HasIndex(f => f.Sha256);
        });

        modelBuilder.Entity<EnvironmentBuild>(e =>
        {
            e.HasKey(b => b.Hash);
            e.Property(b => b.Hash).HasMaxLength(64).IsFixedLength();
            e.Property(b => b.State).HasConversion<string>().HasMaxLength(16);
            e.Property(b => b.Log).HasDefaultValue("");
            e.Property(b => b.PythonPath).HasMaxLength(1024);
            e.Property(b => b.SourceName).HasMaxLength(255);
            e.Property(b => b.Reused).HasDefaultValue(false);
            // What the builder picks up work from.
            e.HasIndex(b => b.QueuedAt).HasDatabaseName("ix_environment_builds_pending").HasFilter("state IN ('Queued', 'Building')");
        });
    }
}
