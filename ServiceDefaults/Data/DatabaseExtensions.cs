using Microsoft.EntityFrameworkCore;
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
    /// applies its migrations at start-up before the host starts listening, and adds a readiness check. Names are
    /// snake_case unless <paramref name="naming"/> says otherwise.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName,
        DatabaseNaming naming = DatabaseNaming.SnakeCase)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException($"ConnectionStrings__{connectionName} is not set: {typeof(TContext).Name} needs a PostgreSQL database.");

        builder.Services.AddDbContextPool<TContext>(options => options.UseServiceDatabase(connectionString, naming));
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

/// <summary>
/// Applies pending migrations when the host starts, retrying while PostgreSQL is still coming up. A database still on
/// the hand-written migrations of before the generated baseline is first brought onto the baseline (<see cref="LegacyMigrationUpgrade"/>).
/// </summary>
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
                if (await LegacyMigrationUpgrade.MigrateAsync(db, cancellationToken))
                    logger.LogInformation("Database of {Context} moved from its hand-written migrations onto the generated baseline", typeof(TContext).Name);
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
