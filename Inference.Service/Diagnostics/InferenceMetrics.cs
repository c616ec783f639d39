using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inference.Service.Diagnostics;

/// <summary>Per-model serving metrics on the meter <c>Platform.Inference</c> (ServiceDefaults exports every <c>Platform.*</c> meter).</summary>
/// <remarks>
/// Requests received and requests in flight are observable instruments over per-model counters: a request costs two
/// interlocked additions instead of three measurements through the metrics SDK (each a tag lookup and an aggregator
/// update; metrics as a whole were 6.5 % of the node's CPU under scoring load in bench/scoring's profile). The exporter reads them when it collects,
/// so what it exports (a monotonic sum and an up-down sum per model) is what the synchronous instruments gave.
/// </remarks>
public sealed class InferenceMetrics : IDisposable
{
    public const string MeterName = "Platform.Inference";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, ModelCounts> _models = new(StringComparer.Ordinal);
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<long> _batchSize;

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("platform.inference.requests", () => Observe(static c => Volatile.Read(ref c.Requests)), "{request}", "Inference requests received.");
        _failures = _meter.CreateCounter<long>("platform.inference.failures", "{request}", "Inference requests that failed.");
        _requestDuration = _meter.CreateHistogram<double>("platform.inference.request.duration", "s", "Time from arrival to answer.");
        _queueDuration = _meter.CreateHistogram<double>("platform.inference.queue.duration", "s", "Time spent waiting in the model's queue.");
        _computeDuration = _meter.CreateHistogram<double>("platform.inference.compute.duration", "s", "Time inside ONNX Runtime Run, per batch.");
        _batchSize = _meter.CreateHistogram<long>("platform.inference.batch.size", "{request}", "Requests merged into one Run.");
        _meter.CreateObservableUpDownCounter("platform.inference.in_flight", () => Observe(static c => Volatile.Read(ref c.InFlight)), "{request}", "Requests queued or computing.");
    }

    /// <summary>One model's counters and its tag, created once per model name (a reloaded model counts on).</summary>
    public sealed class ModelCounts(string model)
    {
        public readonly KeyValuePair<string, object?> Tag = new("model", model);
        internal long Requests;
        internal long InFlight;
    }

    public ModelCounts For(string model) => _models.TryGetValue(model, out var counts) ? counts : _models.GetOrAdd(model, static m => new ModelCounts(m));

    private IEnumerable<Measurement<long>> Observe(Func<ModelCounts, long> value)
    {
        foreach (var counts in _models.Values) yield return new Measurement<long>(value(counts), counts.Tag);
    }

    public ModelCounts RequestStarted(string model)
    {
        var counts = For(model);
        Interlocked.Increment(ref counts.Requests);
        Interlocked.Increment(ref counts.InFlight);
        return counts;
    }

    public void RequestFinished(ModelCounts counts, long startTimestamp, string? failure)
    {
        Interlocked.Decrement(ref counts.InFlight);
        _requestDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, counts.Tag);
        if (failure is not null) _failures.Add(1, counts.Tag, new KeyValuePair<string, object?>("error.type", failure));
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
