using Registry.Service.Blobs;
using Registry.Service.Models;
using ServiceDefaults.Configuration;

namespace Registry.Service;

public static class RegistryServiceExtensions
{
    /// <summary>The registry's own parts: settings, blob store, model catalogue, outbox relay and blob collector.</summary>
    public static IHostApplicationBuilder AddRegistryServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RegistryOptions>(RegistryOptions.Section);
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddScoped<ModelRegistrar>();
        builder.Services.AddScoped<ModelCatalog>();
        builder.Services.AddHostedService<OrphanBlobCollector>();
        return builder;
    }
}
