using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Grpc;

/// <summary>
/// Turns what a handler throws into a gRPC status: an <see cref="RpcException"/> is the handler's own choice; a
/// cancellation caused by the caller or the deadline becomes CANCELLED or DEADLINE_EXCEEDED; anything else is a bug,
/// logged here with its stack and answered INTERNAL without details (they could leak internals to callers).
/// </summary>
public sealed class GrpcErrorInterceptor(ILogger<GrpcErrorInterceptor> logger) : Interceptor
{
    public const string InternalMessage = "Exception was thrown by handler.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return context.Deadline <= DateTime.UtcNow
                ? new RpcException(new Status(StatusCode.DeadlineExceeded, "The deadline passed before the call completed."))
                : new RpcException(new Status(StatusCode.Cancelled, "The caller cancelled the call."));
        }
        logger.LogError(exception, "gRPC call {Method} failed", context.Method);
        return new RpcException(new Status(StatusCode.Internal, InternalMessage));
    }
}
