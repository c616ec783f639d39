using Contracts.Events;
using TestSupport;

namespace Registry.Tests.Support;

public static class RegistryEvents
{
    /// <summary>A listener for the registry's events, bound before the action under test.</summary>
    public static Task<BusEventListener> ListenAsync(string amqpUri) =>
        BusEventListener.StartAsync(amqpUri, "registry-tests", s => s.To<ModelRegistered>().To<ModelDeleted>());
}
