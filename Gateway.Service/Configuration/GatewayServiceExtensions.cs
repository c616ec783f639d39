using Gateway.Service.Auth;
using Gateway.Service.Proxy;
using Gateway.Service.Routing;
using Gateway.Service.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Configuration;
using ServiceDefaults.Security;

namespace Gateway.Service.Configuration;

public static class GatewayServiceExtensions
{
    /// <summary>Admin key, endpoint keys and tokens: all checked from memory; gatewaydb keeps only nonces and hashes.</summary>
    public static IHostApplicationBuilder AddGatewayAuth(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AdminKey>();
        builder.Services.AddSingleton<AdminKeyFilter>();
        builder.Services.AddSingleton<GatewaySecret>();
        builder.Services.AddSingleton<EndpointKeyDeriver>();
        builder.Services.AddSingleton<EndpointKeyStore>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<EndpointAuthenticator>();
        builder.Services.AddSingleton<EndpointDirectory>();
        // Deploy answers only the platform: the gateway asks it with the platform credential, never with the caller's.
        builder.Services.AddHttpClient(EndpointDirectory.DeployClient).AddPlatformCredentialHandler();
        return builder;
    }

    /// <summary>The routing table: fetched from Deploy, refreshed on RoutingChanged and periodically, read lock-free.</summary>
    public static IHostApplicationBuilder AddGatewayRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RoutingTableCache>();
        builder.Services.AddSingleton<RoutingRefreshSignal>();
        builder.Services.AddSingleton<ReplicaBalancer>();
        builder.Services.AddSingleton<RoutingTableRefresher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RoutingTableRefresher>());
        builder.Services.AddHealthChecks().AddCheck<RoutingTableHealthCheck>("routing-table", tags: [Extensions.ReadyTag]);
        return builder;
    }

    /// <summary>Forwarding: scoring to inference nodes (pooled per node), mirrors, and the control plane to its services.</summary>
    public static IHostApplicationBuilder AddGatewayForwarding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.AddPlatformCredential();
        builder.Services.AddSingleton<NodeHttpClients>();
        builder.Services.AddSingleton<MirrorStatistics>();
        builder.Services.AddSingleton<MirrorDispatcher>();
        builder.Services.AddSingleton<ScoringDeploymentChooser>();
        builder.Services.AddSingleton<ScoringForwarder>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<YarpScoringForwarder>();
        builder.Services.AddSingleton<ControlPlaneForwarder>();
        return builder;
    }

    /// <summary>Creates the admin key file at start (not on the first /api/v1 call), so the run command can print it.</summary>
    public static WebApplication EnsureAdminKey(this WebApplication app)
    {
        var key = app.Services.GetRequiredService<AdminKey>();
        app.Logger.LogInformation("Admin key for /api/v1 is in {File}", key.Path);
        return app;
    }
}

/// <summary>
/// Degraded (not Unhealthy) until the first table arrives: the gateway still serves the control plane, and the
/// AppHost should not restart it just because Deploy is slower to start.
/// </summary>
public sealed class RoutingTableHealthCheck(RoutingTableCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.IsLoaded
            ? HealthCheckResult.Healthy($"routing table version {cache.Current.Version}, {cache.Current.Endpoints.Count} endpoints")
            : HealthCheckResult.Degraded("the routing table has not been fetched from deploy yet"));
}
