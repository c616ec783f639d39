using Registry.Service.Blobs;
using Registry.Service.Environments;
using Registry.Service.Models;
using ServiceDefaults.Configuration;

namespace Registry.Service;

public static class RegistryServiceExtensions
{
    /// <summary>The registry's own parts: settings, blob store, model catalogue, outbox relay, blob collector, environments and their builder.</summary>
    public static IHostApplicationBuilder AddRegistryServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RegistryOptions>(RegistryOptions.Section);
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddScoped<ModelRegistrar>();
        builder.Services.AddScoped<ModelCatalog>();
        builder.Services.AddHostedService<OrphanBlobCollector>();

        builder.AddValidatedOptions<EnvironmentOptions>(EnvironmentOptions.Section);
        builder.Services.AddSingleton<PythonInterpreters>();
        builder.Services.AddSingleton<EnvironmentBuildQueue>();
        builder.Services.AddScoped<EnvironmentRegistrar>();
        builder.Services.AddScoped<EnvironmentCatalog>();
        builder.Services.AddHostedService<EnvironmentBuilder>();
        return builder;
    }
}
