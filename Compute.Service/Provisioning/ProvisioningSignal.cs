using System.Threading.Channels;

namespace Compute.Service.Provisioning;

/// <summary>Wakes the provisioning worker as soon as a compute enters Creating, instead of waiting for its next poll.</summary>
public sealed class ProvisioningSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Poll interval elapsed: look anyway, in case a change came from another instance or a restart.
        }
    }
}
