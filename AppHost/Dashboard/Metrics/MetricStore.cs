using Contracts.Otlp;

namespace AppHost.Dashboard.Metrics;

/// <summary>
/// One time series as the dashboard shows it: the latest value of a counter or gauge, or a histogram's count, sum,
/// mean and estimated percentiles (read off its buckets), with the service, instance and attributes it belongs to.
/// </summary>
public sealed record SeriesView(
    string Service, string Instance, string Name, string Unit, string Kind, IReadOnlyDictionary<string, string> Attributes,
    double? Value, long? Count, double? Sum, double? Mean, double? P50, double? P99, double? Max, long UpdatedUnixNano);

/// <summary>
/// The newest point of every metric series the services export, in memory and bounded (<see cref="MaxSeries"/>; a new
/// series beyond it is refused). Cumulative points replace the previous one; delta points are added to it.
/// </summary>
public sealed class MetricStore(int maxSeries = MetricStore.MaxSeries)
{
    public const int MaxSeries = 20_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, SeriesView> _series = new(StringComparer.Ordinal);

    /// <summary>Adds every point of an OTLP export; returns how many were refused (the store is full).</summary>
    public int Add(ExportMetricsServiceRequest request)
    {
        var rejected = 0;
        lock (_gate)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                var (service, instance) = OtlpValues.Identity(resourceMetrics.Resource);
                foreach (var scope in resourceMetrics.ScopeMetrics)
                foreach (var metric in scope.Metrics)
                foreach (var point in Points(service, instance, metric))
                {
                    var key = $"{service}\n{instance}\n{point.Name}\n{string.Join("\n", point.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value))}";
                    var delta = metric.DataCase switch
                    {
                        Metric.DataOneofCase.Sum => metric.Sum.AggregationTemporality == AggregationTemporality.Delta,
                        Metric.DataOneofCase.Histogram => metric.Histogram.AggregationTemporality == AggregationTemporality.Delta,
                        _ => false,
                    };
                    if (_series.TryGetValue(key, out var previous)) _series[key] = delta ? Accumulate(previous, point) : point;
                    else if (_series.Count < maxSeries) _series[key] = point;
                    else rejected++;
                }
            }
        }
        return rejected;
    }

    /// <summary>Every series, by service then name, optionally only one service's or names containing <paramref name="name"/>.</summary>
    public IReadOnlyList<SeriesView> List(string? service, string? name)
    {
        lock (_gate)
        {
            return _series.Values
                .Where(s => string.IsNullOrEmpty(service) || s.Service == service)
                .Where(s => string.IsNullOrEmpty(name) || s.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
                .OrderBy(s => s.Service, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Instance, StringComparer.Ordinal)
                .ToList();
        }
    }

    private static IEnumerable<SeriesView> Points(string service, string instance, Metric metric)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Sum:
                var kind = metric.Sum.IsMonotonic ? "counter" : "updown";
                foreach (var p in metric.Sum.DataPoints) yield return Number(service, instance, metric, kind, p);
                break;
            case Metric.DataOneofCase.Gauge:
                foreach (var p in metric.Gauge.DataPoints) yield return Number(service, instance, metric, "gauge", p);
                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var p in metric.Histogram.DataPoints)
                {
                    var count = (long)p.Count;
                    var sum = p.HasSum ? p.Sum : (double?)null;
                    yield return new SeriesView(service, instance, metric.Name, metric.Unit, "histogram", OtlpValues.Attributes(p.Attributes),
                        null, count, sum, count > 0 && sum is { } s ? s / count : null,
                        Quantile(p, 0.5), Quantile(p, 0.99), p.HasMax ? p.Max : null, (long)p.TimeUnixNano);
                }
                break;
        }
    }

    private static SeriesView Number(string service, string instance, Metric metric, string kind, NumberDataPoint p) => new(
        service, instance, metric.Name, metric.Unit, kind, OtlpValues.Attributes(p.Attributes),
        p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble, null, null, null, null, null, null, (long)p.TimeUnixNano);

    private static SeriesView Accumulate(SeriesView previous, SeriesView delta) => delta.Kind == "histogram"
        ? delta with { Count = previous.Count + delta.Count, Sum = previous.Sum + delta.Sum }
        : delta with { Value = previous.Value + delta.Value };

    /// <summary>
    /// The q-quantile read off explicit buckets: the bucket holding the rank, interpolated linearly inside it (the last,
    /// unbounded bucket answers its lower bound, or the max when known). Null without buckets or points.
    /// </summary>
    internal static double? Quantile(HistogramDataPoint p, double q)
    {
        if (p.Count == 0 || p.BucketCounts.Count == 0 || p.BucketCounts.Count != p.ExplicitBounds.Count + 1) return null;
        var rank = q * p.Count;
        double seen = 0;
        for (var i = 0; i < p.BucketCounts.Count; i++)
        {
            var inBucket = (double)p.BucketCounts[i];
            if (inBucket == 0 || seen + inBucket < rank)
            {
                seen += inBucket;
                continue;
            }
            var lower = i == 0 ? (p.HasMin ? Math.Min(p.Min, p.ExplicitBounds[0]) : Math.Min(0, p.ExplicitBounds[0])) : p.ExplicitBounds[i - 1];
            if (i == p.ExplicitBounds.Count) return p.HasMax ? p.Max : lower;
            var upper = p.ExplicitBounds[i];
            return lower + (upper - lower) * ((rank - seen) / inBucket);
        }
        return p.HasMax ? p.Max : p.ExplicitBounds[^1];
    }
}
