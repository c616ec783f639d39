using Microsoft.Extensions.DependencyInjection;

namespace GrpcLite.Server;

/// <summary>
/// Gets the service instance for a call from the request's DI scope; a service type that was not
/// registered is built with its constructor's dependencies (factory compiled once).
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly ObjectFactory<TService> _factory = ActivatorUtilities.CreateFactory<TService>([]);

    public TService Get(IServiceProvider services) =>
        services.GetService<TService>() ?? _factory(services, null);
}
