using Compute.Service.Application;
using Compute.Service.Catalogue;
using Compute.Service.Provisioning;
using Microsoft.AspNetCore.DataProtection;
using ServiceDefaults.Configuration;

namespace Compute.Service;

public static class ComputeServiceExtensions
{
    /// <summary>Everything Compute.Service needs beyond the service defaults, database and bus.</summary>
    public static IHostApplicationBuilder AddComputeServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ComputeOptions>(ComputeOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => VmSizeCatalogue.LoadDefault());

        // Token encryption keys sit outside the database, under DataRoot, so they survive restarts.
        var dataRoot = builder.Configuration["DataRoot"] is { Length: > 0 } root ? root : Path.Combine(builder.Environment.ContentRootPath, ".data");
        builder.Services.AddDataProtection()
            .SetApplicationName("compute")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataRoot, "compute", "keys")));
        builder.Services.AddSingleton<TokenProtector>();

        builder.Services.AddScoped<ComputeReader>();
        builder.Services.AddScoped<ComputeTargetService>();
        builder.Services.AddScoped<ReservationService>();
        builder.Services.AddScoped<KubernetesCredentialsReader>();
        builder.Services.AddScoped<NodeRegistry>();
        builder.Services.AddSingleton<ComputeEvents>();
        // Node registered / lost on the bus, for Deploy's reconciler.
        builder.Services.AddHostedService<Nodes.NodeLeaseWatcher>();

        builder.Services.AddSingleton<ProvisioningSignal>();
        builder.Services.AddSingleton<ApiServerProbe>();
        builder.Services.AddHostedService<ProvisioningWorker>();
        return builder;
    }
}
