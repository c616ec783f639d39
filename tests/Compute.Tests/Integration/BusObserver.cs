using System.Collections.Concurrent;
using Contracts.Events;
using MassTransit;

namespace Compute.Tests.Integration;

/// <summary>A bus of the test's own on the real RabbitMQ, collecting every ComputeTargetChanged published.</summary>
public sealed class BusObserver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ComputeTargetChanged> _received = new();
    private IBusControl? _bus;

    /// <summary>Every event received so far, in arrival order.</summary>
    public IReadOnlyCollection<ComputeTargetChanged> Received => _received;

    public static async Task<BusObserver> StartAsync(string amqpUri)
    {
        var observer = new BusObserver();
        var uri = new Uri(amqpUri);
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(uri.UserInfo.Split(':')[1]);
        observer._bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(uri.Host, (ushort)uri.Port, "/", h =>
            {
                h.Username(user);
                h.Password(password);
            });
            rabbit.ReceiveEndpoint("compute-tests-" + Guid.NewGuid().ToString("N"), e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<ComputeTargetChanged>(context =>
                {
                    observer._received.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await observer._bus.StartAsync(cts.Token);
        return observer;
    }

    public async Task<ComputeTargetChanged> WaitForAsync(string compute, string state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var match = _received.FirstOrDefault(e => e.ComputeName == compute && e.ProvisioningState == state);
            if (match is not null) return match;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No ComputeTargetChanged({compute}, {state}) arrived; got: " +
            string.Join(", ", _received.Select(e => $"{e.ComputeName}:{e.ProvisioningState}")));
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null) await _bus.StopAsync();
    }
}
