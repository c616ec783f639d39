using Contracts.Events;
using TestSupport;

namespace Compute.Tests.Integration;

public static class ComputeTargetEvents
{
    /// <summary>A listener for ComputeTargetChanged, bound before the action under test.</summary>
    public static Task<BusEventListener> ListenAsync(string amqpUri) =>
        BusEventListener.StartAsync(amqpUri, "compute-tests", s => s.To<ComputeTargetChanged>());

    public static async Task<ComputeTargetChanged> WaitForAsync(this BusEventListener bus, string compute, string state) =>
        (await bus.WaitForAsync<ComputeTargetChanged>(e => e.ComputeName == compute && e.ProvisioningState == state)).Event;
}
