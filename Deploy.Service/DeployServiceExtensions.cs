using Contracts.Clients;
using Contracts.Events;
using Deploy.Service.Control;
using Deploy.Service.Grpc;
using Deploy.Service.Health;
using ServiceDefaults.Grpc;
using Deploy.Service.Infrastructure;
using Deploy.Service.Kubernetes;
using Deploy.Service.Reconcile;
using Deploy.Service.Rollout;
using Deploy.Service.Routing;
using Deploy.Service.Rules;
using ServiceDefaults.Configuration;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;
using ServiceDefaults.Messaging.Outbox;
using ServiceDefaults.Security;

namespace Deploy.Service;

/// <summary>The deploy service's parts, one method per concern (Program.cs reads as their table of contents).</summary>
public static class DeployServiceExtensions
{
    public static IHostApplicationBuilder AddDeployOptions(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DeployOptions>(DeployOptions.Section)
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.DataRoot)) o.DataRoot = builder.Configuration["DataRoot"] is { Length: > 0 } root ? root : ".data";
                o.DataRoot = Path.GetFullPath(o.DataRoot);
                if (o.SharedPackageCaches.Count == 0) o.SharedPackageCaches.Add(Path.Combine(o.DataRoot, "shared-packages"));
            });
        return builder;
    }

    public static IHostApplicationBuilder AddDeployControlPlane(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase<DeployDbContext>("deploydb", DeployDbContext.Naming);
        builder.AddServiceBus(bus =>
        {
            bus.AddConsumer<ModelRegisteredConsumer>();
            // Compute's node events wake the reconciler instead of waiting for its next round.
            bus.AddConsumer<Reconcile.NodeRegisteredConsumer>();
            bus.AddConsumer<Reconcile.NodeLostConsumer>();
        });
        builder.AddOutbox<DeployDbContext>(events => events.Add<RoutingChanged>().Add<DeploymentStateChanged>());
        builder.Services.AddScoped<EndpointCommands>();
        builder.Services.AddScoped<DeploymentCommands>();
        builder.Services.AddSingleton<DeploymentReferences>();
        builder.Services.AddScoped<DeployRuleCommands>();
        builder.Services.AddSingleton<ResponseMapping>();
        builder.Services.AddScoped<RoutingEvents>();
        builder.Services.AddSingleton<RolloutQueue>();
        builder.Services.AddSingleton<DeploymentLog>();
        return builder;
    }

    /// <summary>The background rollout: orchestrator, package cache, and the gRPC clients of the services it drives.</summary>
    public static IHostApplicationBuilder AddRollout(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PackageCache>();
        builder.Services.AddSingleton<RolloutOrchestrator>();
        builder.Services.AddSingleton<RepairQueue>();
        builder.Services.AddSingleton<Autoscale.Autoscaler>();
        builder.Services.AddSingleton<Reconcile.NodeCleanup>();
        builder.Services.AddHostedService<RolloutWorker>();
        // Nodes answer only calls carrying the platform credential (warm-up requests go straight to a node).
        builder.AddPlatformCredential();
        builder.Services.AddHttpClient(RolloutOrchestrator.NodeHttpClient).AddPlatformCredentialHandler();
        builder.Services.AddSingleton<KubernetesRollout>();
        builder.Services.AddSingleton<KubernetesApiClient>();
        builder.Services.AddServiceGrpcClient<RegistryClient>("registry");
        builder.Services.AddServiceGrpcClient<ComputeClient>("compute");
        return builder;
    }

    /// <summary>The health watcher: probes every serving deployment's replicas and takes the ones not ready out of routing.</summary>
    public static IHostApplicationBuilder AddReplicaHealthWatching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReplicaHealthWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaHealthWatcher>());
        return builder;
    }

    /// <summary>deploy.v1.Deploy on the Kestrel endpoint "grpc" (HTTP/2).</summary>
    public static IHostApplicationBuilder AddDeployGrpc(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformGrpc();
        builder.Services.AddScoped<RoutingTableReader>();
        return builder;
    }

    public static WebApplication MapDeployGrpc(this WebApplication app)
    {
        app.MapGrpcService<DeployGrpcService>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
