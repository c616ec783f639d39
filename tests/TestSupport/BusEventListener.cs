using System.Collections.Concurrent;
using MassTransit;

namespace TestSupport;

/// <summary>
/// A bus of the test's own on the real RabbitMQ with a temporary queue that receives a service's events, the way
/// another service would. Start it before the action, so the queue is bound when the event is published.
/// </summary>
public sealed class BusEventListener : IAsyncDisposable
{
    private readonly ConcurrentQueue<(object Event, Guid? MessageId)> _received = new();
    private IBusControl? _bus;

    /// <summary>Every event received so far, in arrival order.</summary>
    public IEnumerable<object> Seen => _received.Select(r => r.Event);

    public IEnumerable<T> Received<T>() => Seen.OfType<T>();

    /// <param name="subscribe">The event types to receive, e.g. <c>s => s.To&lt;ModelRegistered&gt;()</c>.</param>
    public static async Task<BusEventListener> StartAsync(string amqpUri, string queuePrefix, Action<Subscriptions> subscribe)
    {
        var listener = new BusEventListener();
        var uri = new Uri(amqpUri);
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':') + 1)..]);
        listener._bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(uri.Host, (ushort)uri.Port, "/", h =>
            {
                h.Username(user);
                h.Password(password);
            });
            rabbit.ReceiveEndpoint($"{queuePrefix}-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                // One message at a time: tests assert the order events were published in, and concurrent consumers
                // would record two back-to-back events in either order.
                endpoint.PrefetchCount = 1;
                endpoint.ConcurrentMessageLimit = 1;
                subscribe(new Subscriptions(endpoint, listener));
            });
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await listener._bus.StartAsync(timeout.Token);
        return listener;
    }

    /// <summary>The first event of type <typeparamref name="T"/> matching <paramref name="match"/>, waiting up to <paramref name="seconds"/>.</summary>
    public async Task<(T Event, Guid? MessageId)> WaitForAsync<T>(Func<T, bool> match, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (message, id) in _received)
                if (message is T typed && match(typed)) return (typed, id);
            await Task.Delay(50);
        }
        throw new TimeoutException($"No matching {typeof(T).Name} arrived within {seconds} s; got: {string.Join(", ", Seen)}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null) await _bus.StopAsync();
    }

    public sealed class Subscriptions
    {
        private readonly IRabbitMqReceiveEndpointConfigurator _endpoint;
        private readonly BusEventListener _listener;

        internal Subscriptions(IRabbitMqReceiveEndpointConfigurator endpoint, BusEventListener listener)
        {
            _endpoint = endpoint;
            _listener = listener;
        }

        public Subscriptions To<T>() where T : class
        {
            _endpoint.Handler<T>(context =>
            {
                _listener._received.Enqueue((context.Message, context.MessageId));
                return Task.CompletedTask;
            });
            return this;
        }
    }
}
