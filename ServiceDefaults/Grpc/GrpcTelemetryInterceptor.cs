using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ServiceDefaults.Grpc;

/// <summary>
/// Server side of gRPC in OpenTelemetry's RPC conventions: the request's span (ASP.NET Core's) gets <c>rpc.*</c> tags,
/// and <c>rpc.server.call.duration</c> (seconds) is recorded per service, method and status on the <c>Platform.Grpc</c>
/// meter. Client calls are traced by OpenTelemetry.Instrumentation.GrpcNetClient.
/// </summary>
public sealed class GrpcTelemetryInterceptor(GrpcServerMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            metrics.Record(context.Method, status, started);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            metrics.Record(context.Method, status, started);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            metrics.Record(context.Method, status, started);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            metrics.Record(context.Method, status, started);
        }
    }
}

/// <summary>The <c>Platform.Grpc</c> meter (subscribed with every <c>Platform.*</c> meter by ServiceDefaults).</summary>
public sealed class GrpcServerMetrics : IDisposable
{
    public const string MeterName = "Platform.Grpc";

    private readonly Meter _meter;
    private readonly Histogram<double> _duration;

    public GrpcServerMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _duration = _meter.CreateHistogram<double>("rpc.server.call.duration", "s", "Duration of gRPC calls this server answered.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary><paramref name="method"/> is the full method, <c>/package.Service/Method</c>.</summary>
    public void Record(string method, StatusCode status, long startedTimestamp)
    {
        var slash = method.LastIndexOf('/');
        var service = slash > 0 ? method[1..slash] : method;
        var name = slash >= 0 ? method[(slash + 1)..] : method;
        var code = (int)status;
        _duration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("rpc.system", "grpc"),
            new KeyValuePair<string, object?>("rpc.service", service),
            new KeyValuePair<string, object?>("rpc.method", name),
            new KeyValuePair<string, object?>("rpc.grpc.status_code", code));
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", name);
            activity.SetTag("rpc.grpc.status_code", code);
        }
    }

    public void Dispose() => _meter.Dispose();
}
