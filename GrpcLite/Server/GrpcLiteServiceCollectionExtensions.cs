using GrpcLite.Health;
using GrpcLite.Reflection;
using GrpcLite.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrpcLite;

public static class GrpcLiteServiceCollectionExtensions
{
    /// <summary>Adds the gRPC server: options, the service registry, and the health and reflection services.</summary>
    public static IServiceCollection AddGrpcLite(this IServiceCollection services, Action<GrpcLiteOptions>? configure = null)
    {
        var options = services.AddOptions<GrpcLiteOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddRouting();
        // Health answers from the host's checks; this registers the checks service if nobody did.
        services.AddHealthChecks();
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddScoped<HealthService>();
        services.TryAddScoped<ReflectionService>();
        return services;
    }
}
