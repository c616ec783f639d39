using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inference.Service.Diagnostics;

/// <summary>Per-model serving metrics on the meter <c>Platform.Inference</c> (ServiceDefaults exports every <c>Platform.*</c> meter).</summary>
public sealed class InferenceMetrics : IDisposable
{
    public const string MeterName = "Platform.Inference";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<long> _batchSize;
    private readonly UpDownCounter<long> _inFlight;

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("platform.inference.requests", "{request}", "Inference requests received.");
        _failures = _meter.CreateCounter<long>("platform.inference.failures", "{request}", "Inference requests that failed.");
        _requestDuration = _meter.CreateHistogram<double>("platform.inference.request.duration", "s", "Time from arrival to answer.");
        _queueDuration = _meter.CreateHistogram<double>("platform.inference.queue.duration", "s", "Time spent waiting in the model's queue.");
        _computeDuration = _meter.CreateHistogram<double>("platform.inference.compute.duration", "s", "Time inside ONNX Runtime Run, per batch.");
        _batchSize = _meter.CreateHistogram<long>("platform.inference.batch.size", "{request}", "Requests merged into one Run.");
        _inFlight = _meter.CreateUpDownCounter<long>("platform.inference.in_flight", "{request}", "Requests queued or computing.");
    }

    public void RequestStarted(string model)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("model", model));
        _inFlight.Add(1, new KeyValuePair<string, object?>("model", model));
    }

    public void RequestFinished(string model, long startTimestamp, string? failure)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _inFlight.Add(-1, tag);
        _requestDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tag);
        if (failure is not null) _failures.Add(1, tag, new KeyValuePair<string, object?>("error.type", failure));
    }

    public void Queued(string model, TimeSpan waited) => _queueDuration.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("model", model));

    /// <summary>A Run that finished (<paramref name="completed"/>) or was stopped inside ONNX Runtime (its callers gave up).</summary>
    public void Computed(string model, TimeSpan took, int batchSize, bool completed)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _computeDuration.Record(took.TotalSeconds, tag, new KeyValuePair<string, object?>("outcome", completed ? "completed" : "terminated"));
        _batchSize.Record(batchSize, tag);
    }

    public void Dispose() => _meter.Dispose();
}
