using Microsoft.EntityFrameworkCore;
using Registry.Service.Environments;
using Registry.Service.Models;
using ServiceDefaults.Messaging.Outbox;

namespace Registry.Service.Infrastructure;

public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : DbContext(options)
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

    // Tables and columns are created by Migrations/20261122000000_Initial.cs; this mapping must match it.
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Model>(e =>
        {
            e.ToTable("models");
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasColumnName("name");
            e.Property(m => m.LastVersion).HasColumnName("last_version");
            e.Property(m => m.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<ModelVersion>(e =>
        {
            e.ToTable("model_versions");
            e.HasKey(v => new { v.Name, v.Version });
            e.Property(v => v.Name).HasColumnName("name");
            e.Property(v => v.Version).HasColumnName("version");
            e.Property(v => v.Framework).HasColumnName("framework");
            e.Property(v => v.Description).HasColumnName("description");
            e.Property(v => v.ModelFile).HasColumnName("model_file");
            e.Property(v => v.OnnxJson).HasColumnName("onnx").HasColumnType("jsonb");
            e.Property(v => v.CreatedAt).HasColumnName("created_at");
            e.Ignore(v => v.Id);
            e.HasMany(v => v.Files).WithOne().HasForeignKey(f => new { f.Name, f.Version }).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(v => v.Tags).WithOne().HasForeignKey(t => new { t.Name, t.Version }).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(v => v.Uses).WithOne().HasForeignKey(u => new { u.Name, u.Version }).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ModelFile>(e =>
        {
            e.ToTable("model_files");
            e.HasKey(f => new { f.Name, f.Version, f.Path });
            e.Property(f => f.Name).HasColumnName("name");
            e.Property(f => f.Version).HasColumnName("version");
            e.Property(f => f.Path).HasColumnName("path");
            e.Property(f => f.Size).HasColumnName("size");
            e.Property(f => f.Sha256).HasColumnName("sha256");
        });

        modelBuilder.Entity<ModelTag>(e =>
        {
            e.ToTable("model_tags");
            e.HasKey(t => new { t.Name, t.Version, t.Key });
            e.Property(t => t.Name).HasColumnName("name");
            e.Property(t => t.Version).HasColumnName("version");
            e.Property(t => t.Key).HasColumnName("key");
            e.Property(t => t.Value).HasColumnName("value");
        });

        modelBuilder.Entity<ModelUse>(e =>
        {
            e.ToTable("model_uses");
            e.HasKey(u => new { u.Name, u.Version, u.User });
            e.Property(u => u.Name).HasColumnName("name");
            e.Property(u => u.Version).HasColumnName("version");
            e.Property(u => u.User).HasColumnName("user");
            e.Property(u => u.CreatedAt).HasColumnName("created_at");
        });

        ConfigureEnvironments(modelBuilder);

        // The shared outbox (ServiceDefaults): the table Migrations/20261122000000_Initial.cs creates is OutboxSchema's.
        modelBuilder.ConfigureOutbox();
    }

    // Created by Migrations/20261204110000_Environments.cs.
    private static void ConfigureEnvironments(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EnvironmentEntry>(e =>
        {
            e.ToTable("environments");
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasColumnName("name");
            e.Property(m => m.LastVersion).HasColumnName("last_version");
            e.Property(m => m.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<EnvironmentVersion>(e =>
        {
            e.ToTable("environment_versions");
            e.HasKey(v => new { v.Name, v.Version });
            e.Property(v => v.Name).HasColumnName("name");
            e.Property(v => v.Version).HasColumnName("version");
            e.Property(v => v.Description).HasColumnName("description");
            e.Property(v => v.Kind).HasColumnName("kind");
            e.Property(v => v.SpecFile).HasColumnName("spec_file");
            e.Property(v => v.Python).HasColumnName("python");
            e.Property(v => v.Hash).HasColumnName("hash");
            e.Property(v => v.CreatedAt).HasColumnName("created_at");
            e.Ignore(v => v.Id);
            e.HasMany(v => v.Files).WithOne().HasForeignKey(f => new { f.Name, f.Version }).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<EnvironmentFile>(e =>
        {
            e.ToTable("environment_files");
            e.HasKey(f => new { f.Name, f.Version, f.Path });
            e.Property(f => f.Name).HasColumnName("name");
            e.Property(f => f.Version).HasColumnName("version");
            e.Property(f => f.Path).HasColumnName("path");
            e.Property(f => f.Size).HasColumnName("size");
            e.Property(f => f.Sha256).HasColumnName("sha256");
        });

        modelBuilder.Entity<EnvironmentBuild>(e =>
        {
            e.ToTable("environment_builds");
            e.HasKey(b => b.Hash);
            e.Property(b => b.Hash).HasColumnName("hash");
            e.Property(b => b.State).HasColumnName("state").HasConversion<string>();
            e.Property(b => b.Log).HasColumnName("log");
            e.Property(b => b.Error).HasColumnName("error");
            e.Property(b => b.PythonPath).HasColumnName("python_path");
            e.Property(b => b.SourceName).HasColumnName("source_name");
            e.Property(b => b.SourceVersion).HasColumnName("source_version");
            e.Property(b => b.Reused).HasColumnName("reused");
            e.Property(b => b.QueuedAt).HasColumnName("queued_at");
            e.Property(b => b.StartedAt).HasColumnName("started_at");
            e.Property(b => b.FinishedAt).HasColumnName("finished_at");
        });
    }
}
