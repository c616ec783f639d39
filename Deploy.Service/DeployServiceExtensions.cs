using Deploy.Service.Control;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using Deploy.Service.Routing;
using Deploy.Service.Rules;
using ServiceDefaults.Configuration;
using ServiceDefaults.Data;
using ServiceDefaults.Messaging;

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
        builder.AddServiceDatabase<DeployDbContext>("deploydb");
        builder.AddServiceBus(bus => bus.AddConsumer<ModelRegisteredConsumer>());
        builder.Services.AddScoped<EndpointCommands>();
        builder.Services.AddScoped<DeploymentCommands>();
        builder.Services.AddScoped<DeployRuleCommands>();
        builder.Services.AddSingleton<ResponseMapping>();
        builder.Services.AddScoped<RoutingEvents>();
        builder.Services.AddSingleton<RolloutQueue>();
        builder.Services.AddSingleton<DeploymentLog>();
        return builder;
    }
}
