using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Data;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers a service's own PostgreSQL database (connection string <c>ConnectionStrings__{connectionName}</c>),
    /// applies its migrations at start-up before the host starts listening, and adds a readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException($"ConnectionStrings__{connectionName} is not set: {typeof(TContext).Name} needs a PostgreSQL database.");

        builder.Services.AddDbContextPool<TContext>(options => options
            .UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3))
            // Migrations here are written by hand (the EF Core design-time package cannot be restored here),
            // so there is no model snapshot for EF to compare against.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)));
        builder.Services.AddSingleton<MigrationState<TContext>>();
        builder.Services.AddHostedService<DatabaseMigrator<TContext>>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck<TContext>>(connectionName, tags: [Extensions.ReadyTag]);
        return builder;
    }
}

public sealed class MigrationState<TContext> where TContext : DbContext
{
    public volatile bool Applied;
}

/// <summary>Applies pending migrations when the host starts, retrying while PostgreSQL is still coming up.</summary>
internal sealed class DatabaseMigrator<TContext>(IServiceProvider services, MigrationState<TContext> state, ILogger<DatabaseMigrator<TContext>> logger)
    : IHostedService where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.MigrateAsync(cancellationToken);
                state.Applied = true;
                logger.LogInformation("Database of {Context} is migrated", typeof(TContext).Name);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested && ex is not InvalidOperationException)
            {
                logger.LogWarning(ex, "Migrating {Context} failed (attempt {Attempt}); retrying", typeof(TContext).Name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class DatabaseHealthCheck<TContext>(IServiceProvider services, MigrationState<TContext> state) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!state.Applied) return HealthCheckResult.Unhealthy("migrations not applied yet");
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("cannot connect to the database");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("database check failed", ex);
        }
    }
}
