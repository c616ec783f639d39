using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>
/// One Compute.Service, HTTP client and bus observer for a whole test class, for tests that use names of their own and
/// do not depend on node capacity (starting the service per test would cost a second each).
/// </summary>
public sealed class SharedComputeApp(InfrastructureFixture infra) : IAsyncLifetime
{
    public ComputeApp App { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public BusEventListener Bus { get; private set; } = null!;
    public InfrastructureFixture Infrastructure => infra;

    public async Task InitializeAsync()
    {
        App = await ComputeApp.StartAsync(infra);
        Client = App.CreateClient();
        Bus = await ComputeTargetEvents.ListenAsync(infra.RabbitMqConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Bus.DisposeAsync();
        Client.Dispose();
        await App.DisposeAsync();
    }
}
