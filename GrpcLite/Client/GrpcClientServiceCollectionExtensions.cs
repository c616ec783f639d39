using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcLite;

public static class GrpcClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> (a class with a public constructor taking a
    /// <see cref="GrpcChannel"/>) for the service whose address is in configuration at
    /// <c>services:{serviceName}:grpc:0</c>. Channels are shared per address.
    /// </summary>
    public static IServiceCollection AddGrpcClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : class
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        var factory = ActivatorUtilities.CreateFactory<TClient>([typeof(GrpcChannel)]);
        services.AddTransient(provider =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            var address = configuration[$"services:{serviceName}:grpc:0"]
                ?? throw new InvalidOperationException(
                    $"No gRPC address for service '{serviceName}': set configuration 'services:{serviceName}:grpc:0' (env services__{serviceName}__grpc__0).");
            return factory(provider, [GrpcChannel.ForAddress(new Uri(address))]);
        });
        return services;
    }

    /// <summary>Registers <typeparamref name="TClient"/> for a fixed address.</summary>
    public static IServiceCollection AddGrpcClient<TClient>(this IServiceCollection services, Uri address)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(address);
        var factory = ActivatorUtilities.CreateFactory<TClient>([typeof(GrpcChannel)]);
        services.AddTransient(provider => factory(provider, [GrpcChannel.ForAddress(address)]));
        return services;
    }
}
