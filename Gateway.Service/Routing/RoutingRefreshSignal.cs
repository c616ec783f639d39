using System.Threading.Channels;

namespace Gateway.Service.Routing;

/// <summary>
/// Asks the refresher for a new table. Bursts of RoutingChanged events collapse into one pending request:
/// the refresher always fetches the whole table, so one fetch after a burst sees every change in it.
/// </summary>
public sealed class RoutingRefreshSignal
{
    private readonly Channel<long> _requests = Channel.CreateBounded<long>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public void Request(long routingVersion) => _requests.Writer.TryWrite(routingVersion);

    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _requests.Reader.ReadAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
