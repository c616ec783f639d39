using Contracts.Otlp;

namespace AppHost.Dashboard.Traces;

/// <summary>One span as the dashboard shows it: ids in hex, times in Unix nanoseconds, attributes as text.</summary>
public sealed record SpanView(
    string TraceId, string SpanId, string? ParentSpanId, string Service, string Instance, string Name, string Kind,
    long StartUnixNano, long EndUnixNano, string Status, string? StatusMessage, IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventView> Events)
{
    public double DurationMilliseconds => (EndUnixNano - StartUnixNano) / 1e6;
}

public sealed record SpanEventView(long TimeUnixNano, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A trace in the list: its root (or earliest) span, the services it crossed, its extent and whether any span failed.</summary>
public sealed record TraceSummary(
    string TraceId, string RootService, string RootName, long StartUnixNano, double DurationMilliseconds, int SpanCount,
    IReadOnlyList<string> Services, bool HasError);

/// <summary>
/// The spans the services exported to the dashboard, in memory and bounded: the newest <see cref="MaxTraces"/> traces
/// are kept, each with at most <see cref="MaxSpansPerTrace"/> spans; older traces go first. Nothing is written to disk:
/// it is a window on what the platform is doing now, as Aspire's dashboard is.
/// </summary>
public sealed class TraceStore(int maxTraces = TraceStore.MaxTraces, int maxSpansPerTrace = TraceStore.MaxSpansPerTrace)
{
    public const int MaxTraces = 2000;
    public const int MaxSpansPerTrace = 500;

    private readonly object _gate = new();
    // Insertion order of traces, oldest first, to evict; the dictionary holds each trace's spans.
    private readonly LinkedList<string> _order = new();
    private readonly Dictionary<string, (LinkedListNode<string> Node, List<SpanView> Spans)> _traces = new(StringComparer.Ordinal);

    /// <summary>Adds every span of an OTLP export; returns how many were refused (no valid ids, or the trace is full).</summary>
    public int Add(ExportTraceServiceRequest request)
    {
        var rejected = 0;
        lock (_gate)
        {
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var (service, instance) = OtlpValues.Identity(resourceSpans.Resource);
                foreach (var scope in resourceSpans.ScopeSpans)
                foreach (var span in scope.Spans)
                {
                    if (span.TraceId.Length != 16 || span.SpanId.Length != 8)
                    {
                        rejected++;
                        continue;
                    }
                    if (!TryAdd(ToView(span, service, instance))) rejected++;
                }
            }
        }
        return rejected;
    }

    private bool TryAdd(SpanView span)
    {
        if (_traces.TryGetValue(span.TraceId, out var trace))
        {
            if (trace.Spans.Count >= maxSpansPerTrace) return false;
            trace.Spans.Add(span);
            return true;
        }
        while (_traces.Count >= maxTraces && _order.First is { } oldest)
        {
            _traces.Remove(oldest.Value);
            _order.RemoveFirst();
        }
        _traces[span.TraceId] = (_order.AddLast(span.TraceId), [span]);
        return true;
    }

    /// <summary>The newest traces first, optionally only those that touched <paramref name="service"/>.</summary>
    public IReadOnlyList<TraceSummary> List(string? service, int limit)
    {
        lock (_gate)
        {
            var result = new List<TraceSummary>(Math.Min(limit, _traces.Count));
            for (var node = _order.Last; node is not null && result.Count < limit; node = node.Previous)
            {
                var spans = _traces[node.Value].Spans;
                if (service is { Length: > 0 } && !spans.Any(s => s.Service == service)) continue;
                result.Add(Summarize(node.Value, spans));
            }
            return result;
        }
    }

    /// <summary>Every span of one trace, parents before children where both are known, or null for an unknown trace.</summary>
    public IReadOnlyList<SpanView>? Get(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var trace) ? trace.Spans.OrderBy(s => s.StartUnixNano).ToList() : null;
        }
    }

    private static TraceSummary Summarize(string traceId, List<SpanView> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        // The root is the span without a parent; a trace whose root has not arrived (yet) shows its earliest span.
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartUnixNano) ?? spans[0];
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return new TraceSummary(traceId, root.Service, root.Name, start, (end - start) / 1e6, spans.Count,
            spans.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal).ToList(), spans.Any(s => s.Status == "Error"));
    }

    private static SpanView ToView(Span span, string service, string instance) => new(
        Convert.ToHexStringLower(span.TraceId.Span),
        Convert.ToHexStringLower(span.SpanId.Span),
        span.ParentSpanId.Length == 8 ? Convert.ToHexStringLower(span.ParentSpanId.Span) : null,
        service,
        instance,
        span.Name,
        span.Kind switch
        {
            Span.Types.SpanKind.Server => "Server",
            Span.Types.SpanKind.Client => "Client",
            Span.Types.SpanKind.Producer => "Producer",
            Span.Types.SpanKind.Consumer => "Consumer",
            _ => "Internal",
        },
        (long)span.StartTimeUnixNano,
        (long)Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano),
        span.Status?.Code switch
        {
            SpanStatus.Types.StatusCode.Error => "Error",
            SpanStatus.Types.StatusCode.Ok => "Ok",
            _ => "Unset",
        },
        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
        OtlpValues.Attributes(span.Attributes),
        span.Events.Select(e => new SpanEventView((long)e.TimeUnixNano, e.Name, OtlpValues.Attributes(e.Attributes))).ToList());
}
