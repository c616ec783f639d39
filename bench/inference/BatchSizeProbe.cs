using System.Diagnostics.Metrics;

namespace Inference.Bench;

/// <summary>Listens to the node's batch-size histogram for one model: how many requests each Run merged, on average.</summary>
internal sealed class BatchSizeProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _runs;
    private long _requests;

    public BatchSizeProbe(string model)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Platform.Inference" && instrument.Name == "platform.inference.batch.size") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, size, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != "model" || (string?)tag.Value != model) continue;
                Interlocked.Increment(ref _runs);
                Interlocked.Add(ref _requests, size);
            }
        });
        _listener.Start();
    }

    /// <summary>Requests per Run since the last call.</summary>
    public double TakeMean()
    {
        var runs = Interlocked.Exchange(ref _runs, 0);
        var requests = Interlocked.Exchange(ref _requests, 0);
        return runs == 0 ? double.NaN : (double)requests / runs;
    }

    public void Dispose() => _listener.Dispose();
}
