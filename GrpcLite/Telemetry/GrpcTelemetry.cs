using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GrpcLite.Telemetry;

/// <summary>
/// The activity source and meter of every call, both named <c>Platform.Grpc</c>, with the
/// OpenTelemetry RPC attribute names so any RPC dashboard understands them.
/// </summary>
public static class GrpcTelemetry
{
    public const string Name = "Platform.Grpc";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    internal static readonly Histogram<double> ServerCallDuration = Meter.CreateHistogram<double>(
        "rpc.server.call.duration", unit: "s", description: "Duration of gRPC calls handled by this server.");

    internal static readonly Histogram<double> ClientCallDuration = Meter.CreateHistogram<double>(
        "rpc.client.call.duration", unit: "s", description: "Duration of gRPC calls made by this client.");

    internal static Activity? StartActivity(ActivityKind kind, string service, string method, string? traceParent = null, string? traceState = null)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }
        // Parent is Activity.Current: ASP.NET Core's request activity (which read traceparent) on the
        // server, the caller's activity on the client (HttpClient then propagates traceparent). When
        // nobody listens to ASP.NET Core's activities there is no current one on the server, so the
        // caller's traceparent is read here instead.
        var parent = default(ActivityContext);
        if (Activity.Current is null && traceParent is not null)
        {
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent);
        }
        var activity = ActivitySource.StartActivity($"{service}/{method}", kind, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }
        return activity;
    }

    internal static void StopActivity(Activity? activity, StatusCode code, string detail)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag("rpc.grpc.status_code", (int)code);
        if (code != StatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, detail);
        }
        activity.Dispose();
    }

    internal static void RecordDuration(Histogram<double> histogram, long startTimestamp, string service, string method, StatusCode code)
    {
        if (!histogram.Enabled)
        {
            return;
        }
        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", service },
            { "rpc.method", method },
            { "rpc.grpc.status_code", (int)code },
        };
        histogram.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}
