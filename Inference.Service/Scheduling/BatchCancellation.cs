namespace Inference.Service.Scheduling;

/// <summary>Cancelled once every request of a batch has given up: only then is the shared Run not worth finishing.</summary>
internal sealed class BatchCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<CancellationTokenRegistration> _registrations;
    private int _remaining;

    public BatchCancellation(IReadOnlyList<PendingRequest> batch)
    {
        _remaining = batch.Count;
        _registrations = new List<CancellationTokenRegistration>(batch.Count);
        // A request that cannot be cancelled keeps the count above zero for good.
        foreach (var request in batch)
            _registrations.Add(request.Cancellation.UnsafeRegister(static s => ((BatchCancellation)s!).OneGaveUp(), this));
    }

    public CancellationToken Token => _source.Token;

    private void OneGaveUp()
    {
        if (Interlocked.Decrement(ref _remaining) == 0) _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
