using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Service.Telemetry;

/// <summary>Meter <c>Platform.Gateway</c>: scoring requests by endpoint, deployment and status, their latency, and mirror outcomes.</summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Platform.Gateway";
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _mirrors;
    private readonly Histogram<double> _mirrorDuration;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("gateway.requests", "{request}", "Scoring requests by endpoint, deployment, protocol and status.");
        _duration = _meter.CreateHistogram<double>("gateway.request.duration", "s", "Time from the gateway receiving a scoring request to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _mirrors = _meter.CreateCounter<long>("gateway.mirror.requests", "{request}", "Mirror copies by endpoint, deployment and outcome (status code, error, dropped).");
        _mirrorDuration = _meter.CreateHistogram<double>("gateway.mirror.duration", "s", "Latency of mirror copies (answers are dropped, only measured).");
    }

    public void Request(string endpoint, string? deployment, string protocol, int status, double seconds)
    {
        var tags = new TagList
        {
            { "endpoint", endpoint },
            { "deployment", deployment ?? "" },
            { "protocol", protocol },
            { "status", BoxedStatus(status) },
        };
        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    // A tag value is an object: the status codes a gateway answers are boxed once, not on every request.
    private static readonly object[] Statuses = Enumerable.Range(0, 600).Select(s => (object)s).ToArray();

    private static object BoxedStatus(int status) => (uint)status < (uint)Statuses.Length ? Statuses[status] : status;

    public void Mirror(string endpoint, string deployment, string outcome, double? seconds)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "deployment", deployment }, { "outcome", outcome } };
        _mirrors.Add(1, tags);
        if (seconds is { } s) _mirrorDuration.Record(s, tags);
    }

    public void Dispose() => _meter.Dispose();
}
