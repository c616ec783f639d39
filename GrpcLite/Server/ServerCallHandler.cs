using System.Diagnostics;
using Google.Protobuf;
using GrpcLite.Protocol;
using GrpcLite.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace GrpcLite.Server;

/// <summary>
/// Serves one RPC method: checks the transport, sets up deadline and encoding, runs the call
/// shape (unary, streaming) implemented by a subclass, and always ends with a gRPC status.
/// </summary>
internal abstract class ServerCallHandler(string serviceName, string methodName, GrpcLiteOptions options, ILogger logger)
{
    public string ServiceName { get; } = serviceName;

    public string MethodName { get; } = methodName;

    public string FullMethod { get; } = $"/{serviceName}/{methodName}";

    protected GrpcLiteOptions Options { get; } = options;

    protected int MaxSendMessageSize => Options.MaxSendMessageSize ?? int.MaxValue;

    /// <summary>True for calls whose request is a stream: Kestrel's body size and rate limits must not cut them off.</summary>
    protected virtual bool StreamsRequest => false;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcTransport.TryAccept(httpContext))
        {
            return;
        }
        var startTimestamp = Stopwatch.GetTimestamp();
        var headers = httpContext.Request.Headers;
        var activity = GrpcTelemetry.StartActivity(ActivityKind.Server, ServiceName, MethodName, headers.TraceParent, headers.TraceState);
        var call = new ServerCallContext(httpContext, FullMethod);
        GrpcTransport.PrepareResponse(httpContext, unlimitedRequestBody: StreamsRequest);

        Status status;
        try
        {
            call.Initialize();
            await HandleCoreAsync(httpContext, call).ConfigureAwait(false);
            status = call.DeadlineExceeded ? DeadlineExceededStatus : Status.DefaultSuccess;
        }
        catch (Exception ex)
        {
            status = StatusFromException(ex, call);
        }
        finally
        {
            call.DisposeDeadline();
        }

        GrpcTransport.WriteStatus(httpContext, call, status);
        GrpcTelemetry.StopActivity(activity, status.StatusCode, status.Detail);
        GrpcTelemetry.RecordDuration(GrpcTelemetry.ServerCallDuration, startTimestamp, ServiceName, MethodName, status.StatusCode);
    }

    protected abstract Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call);

    protected async ValueTask<TRequest> ReadSingleRequestAsync<TRequest>(HttpContext httpContext, ServerCallContext call, MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest>
    {
        var reader = httpContext.Request.BodyReader;
        var request = await PipeMessageReader.ReadAsync(reader, parser, Options.MaxReceiveMessageSize, call.RequestEncoding, call.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "Request stream ended without a message.");
        // A unary request carries exactly one message.
        var extra = await PipeMessageReader.ReadAsync(reader, parser, Options.MaxReceiveMessageSize, call.RequestEncoding, call.CancellationToken).ConfigureAwait(false);
        if (extra is not null)
        {
            throw new RpcException(StatusCode.Internal, "Request stream carried more than one message for a unary request.");
        }
        return request;
    }

    protected void WriteResponseMessage(HttpContext httpContext, ServerCallContext call, IMessage response)
    {
        if (call.DeadlineExceeded)
        {
            throw new RpcException(DeadlineExceededStatus);
        }
        MessageFrame.Write(httpContext.Response.BodyWriter, response, MaxSendMessageSize);
        call.ResponseBodyWritten = true;
    }

    private static readonly Status DeadlineExceededStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    private Status StatusFromException(Exception exception, ServerCallContext call)
    {
        if (call.DeadlineExceeded)
        {
            return DeadlineExceededStatus;
        }
        switch (exception)
        {
            case RpcException rpc:
                foreach (var entry in rpc.Trailers)
                {
                    call.ResponseTrailers.Add(entry);
                }
                return rpc.Status;
            case OperationCanceledException when call.HttpContext.RequestAborted.IsCancellationRequested:
                return new Status(StatusCode.Cancelled, "Call canceled by the client.");
            case InvalidProtocolBufferException:
                logger.LogWarning(exception, "gRPC call {Method}: request message could not be parsed", FullMethod);
                return new Status(StatusCode.Internal, "Failed to deserialize request message.");
            default:
                // The exception text stays in the log: it may name internals the client must not see.
                logger.LogError(exception, "gRPC call {Method} failed with an unhandled exception", FullMethod);
                var detail = Options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                    : "Exception was thrown by handler.";
                return new Status(StatusCode.Internal, detail);
        }
    }
}
