using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GrpcLite.Server;

// One handler type per call shape. Each is closed over the service and message types at map
// time and calls the service method through a typed open-instance delegate: no reflection per call.

internal sealed class UnaryCallHandler<TService, TRequest, TResponse>(
    string serviceName, string methodName, GrpcLiteOptions options, ILogger logger,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> requestParser,
    Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
    : ServerCallHandler(serviceName, methodName, options, logger)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call)
    {
        var request = await ReadSingleRequestAsync(httpContext, call, requestParser).ConfigureAwait(false);
        var service = activator.Get(httpContext.RequestServices);
        var response = await invoker(service, request, call).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "Handler returned no response message.");
        WriteResponseMessage(httpContext, call, response);
    }
}

internal sealed class ServerStreamingCallHandler<TService, TRequest, TResponse>(
    string serviceName, string methodName, GrpcLiteOptions options, ILogger logger,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> requestParser,
    Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerCallHandler(serviceName, methodName, options, logger)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call)
    {
        var request = await ReadSingleRequestAsync(httpContext, call, requestParser).ConfigureAwait(false);
        var service = activator.Get(httpContext.RequestServices);
        var writer = new HttpResponseStreamWriter<TResponse>(httpContext, call, MaxSendMessageSize);
        await invoker(service, request, writer, call).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingCallHandler<TService, TRequest, TResponse>(
    string serviceName, string methodName, GrpcLiteOptions options, ILogger logger,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> requestParser,
    Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker)
    : ServerCallHandler(serviceName, methodName, options, logger)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override bool StreamsRequest => true;

    protected override async Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call)
    {
        var service = activator.Get(httpContext.RequestServices);
        var reader = new HttpRequestStreamReader<TRequest>(httpContext, call, requestParser, Options.MaxReceiveMessageSize);
        var response = await invoker(service, reader, call).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "Handler returned no response message.");
        WriteResponseMessage(httpContext, call, response);
    }
}

internal sealed class DuplexStreamingCallHandler<TService, TRequest, TResponse>(
    string serviceName, string methodName, GrpcLiteOptions options, ILogger logger,
    ServiceActivator<TService> activator,
    MessageParser<TRequest> requestParser,
    Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerCallHandler(serviceName, methodName, options, logger)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override bool StreamsRequest => true;

    protected override async Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call)
    {
        var service = activator.Get(httpContext.RequestServices);
        var reader = new HttpRequestStreamReader<TRequest>(httpContext, call, requestParser, Options.MaxReceiveMessageSize);
        var writer = new HttpResponseStreamWriter<TResponse>(httpContext, call, MaxSendMessageSize);
        await invoker(service, reader, writer, call).ConfigureAwait(false);
    }
}

/// <summary>Answers every call with UNIMPLEMENTED: RPCs of a mapped service that have no method, and unknown paths.</summary>
internal sealed class UnimplementedCallHandler(string serviceName, string methodName, string detail, GrpcLiteOptions options, ILogger logger)
    : ServerCallHandler(serviceName, methodName, options, logger)
{
    protected override Task HandleCoreAsync(HttpContext httpContext, ServerCallContext call) =>
        throw new RpcException(StatusCode.Unimplemented, detail);
}
