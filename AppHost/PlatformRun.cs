using AppHost.Servers;
using Aspire.Hosting.Eventing;
using Aspire.Hosting.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AppHost;

/// <summary>How the run ended: 0, or 1 when a server could not start.</summary>
internal static class RunOutcome
{
    public static int ExitCode { get; set; }
}

internal static class PlatformRunExtensions
{
    public static IServiceCollection AddPlatformRun(this IServiceCollection services, AppHostOptions options)
    {
        services.AddSingleton(options);
        services.AddEventingSubscriber<DashboardApiKey>();
        services.AddEventingSubscriber<ServerFailureWatcher>();
        services.AddEventingSubscriber<CrashedServiceRestarter>();
        services.AddHostedService<PlatformReady>();
        return services;
    }
}

/// <summary>
/// PostgreSQL or RabbitMQ (or their init step or port mapper) ending before the run is stopped ends the run: one
/// error naming the server and its log, exit code 1, instead of services waiting for it forever.
/// </summary>
internal sealed class ServerFailureWatcher(ResourceNotificationService notifications, IHostApplicationLifetime lifetime)
    : ResourceEventWatcher(notifications, lifetime)
{
    protected override async Task<bool> OnEventAsync(ResourceEvent e, CancellationToken stopping)
    {
        if (!e.Resource.TryGetLastAnnotation<ServerLogAnnotation>(out var server) || !Failed(e)) return true;
        var exit = e.Snapshot.ExitCode is { } code ? $", exit code {code}" : "";
        var tail = File.Exists(server.LogPath) ? File.ReadLines(server.LogPath).TakeLast(15).ToList() : [];
        await Console.Error.WriteLineAsync(
            $"error: {server.ServerName} failed to start ({e.Resource.Name}: {e.Snapshot.State?.Text}{exit}). " +
            $"Its log: {server.LogPath}{string.Concat(tail.Select(l => Environment.NewLine + "  " + l))}");
        RunOutcome.ExitCode = 1;
        Lifetime.StopApplication();
        return false;
    }

    /// <summary>An init step fails by exiting non-zero; a server or port mapper by ending at all.</summary>
    private static bool Failed(ResourceEvent e)
    {
        var state = e.Snapshot.State?.Text;
        if (state == KnownResourceStates.FailedToStart) return true;
        if (state != KnownResourceStates.Exited && state != KnownResourceStates.Finished) return false;
        return !e.Resource.Name.EndsWith("-init", StringComparison.Ordinal) || e.Snapshot.ExitCode is not 0;
    }
}

/// <summary>Once every service is healthy: the banner (where everything is, the admin key), then the demo.</summary>
internal sealed class PlatformReady(
    ResourceNotificationService notifications, DistributedApplicationModel model, AppHostOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var project in model.Resources.OfType<ProjectResource>())
                await notifications.WaitForResourceHealthyAsync(project.Name, stoppingToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DistributedApplicationException)
        {
            return; // stopping, or a dependency failed (ServerFailureWatcher says which)
        }
        var gateway = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway");
        var gatewayUrl = new Uri(gateway.GetEndpoint("http").Url);
        var keyFile = options.DataPath("admin-key");
        var adminKey = File.Exists(keyFile) ? (await File.ReadAllTextAsync(keyFile, stoppingToken)).Trim() : $"(not found: {keyFile})";
        PlatformBanner.Print(options, gatewayUrl, new Uri(gateway.GetEndpoint("grpc").Url), adminKey);
        if (!options.NoDemo && File.Exists(keyFile)) await DemoRunner.RunAsync(options, gatewayUrl, adminKey);
    }
}
