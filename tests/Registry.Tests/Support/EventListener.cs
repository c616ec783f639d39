using System.Threading.Channels;
using Contracts.Events;
using MassTransit;

namespace Registry.Tests.Support;

/// <summary>
/// A separate MassTransit bus on the real RabbitMQ with a temporary queue that receives the registry's events, the way
/// another service would. Start it before the action, so the queue is bound when the event is published.
/// </summary>
public sealed class EventListener : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly Channel<(object Event, Guid? MessageId)> _received = Channel.CreateUnbounded<(object, Guid?)>();

    private EventListener(string amqpUri)
    {
        var uri = new Uri(amqpUri);
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':') + 1)..]);
        _bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(uri.Host, (ushort)uri.Port, "/", h =>
            {
                h.Username(user);
                h.Password(password);
            });
            rabbit.ReceiveEndpoint($"registry-tests-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                endpoint.Handler<ModelRegistered>(context => Record(context.Message, context.MessageId));
                endpoint.Handler<ModelDeleted>(context => Record(context.Message, context.MessageId));
            });
        });
    }

    public static async Task<EventListener> StartAsync(string amqpUri)
    {
        var listener = new EventListener(amqpUri);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await listener._bus.StartAsync(timeout.Token);
        return listener;
    }

    /// <summary>Every event received so far, in arrival order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<object> Seen { get; } = new();

    private Task Record(object message, Guid? messageId)
    {
        Seen.Enqueue(message);
        _received.Writer.TryWrite((message, messageId));
        return Task.CompletedTask;
    }

    /// <summary>The first event of type <typeparamref name="T"/> matching <paramref name="match"/>, waiting up to 30 s.</summary>
    public async Task<(T Event, Guid? MessageId)> WaitForAsync<T>(Func<T, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var (message, id) in _received.Reader.ReadAllAsync(timeout.Token))
                if (message is T typed && match(typed)) return (typed, id);
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"No {typeof(T).Name} arrived within 30 s.");
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
