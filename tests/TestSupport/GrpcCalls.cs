using Google.Protobuf;
using Grpc.Core;

namespace TestSupport;

/// <summary>
/// A unary call by full method name (<c>/package.Service/Method</c>) through grpc-dotnet's call invoker, for tests that
/// send whatever message they build (hostile tensors, wrong credentials) in one line. Services' own callers use the
/// generated clients and the Contracts wrappers.
/// </summary>
public static class GrpcCalls
{
    public static Task<TResponse> UnaryAsync<TRequest, TResponse>(this ChannelBase channel, string fullMethod, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        channel.CreateCallInvoker().AsyncUnaryCall(Describe<TRequest, TResponse>(fullMethod), null, options, request).ResponseAsync;

    /// <summary>The same call, keeping the response headers (e.g. the deployment that answered).</summary>
    public static async Task<(TResponse Response, Metadata ResponseHeaders)> UnaryCallAsync<TRequest, TResponse>(
        this ChannelBase channel, string fullMethod, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(Describe<TRequest, TResponse>(fullMethod), null, options, request);
        var headers = await call.ResponseHeadersAsync;
        return (await call.ResponseAsync, headers);
    }

    private static Method<TRequest, TResponse> Describe<TRequest, TResponse>(string fullMethod)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var slash = fullMethod.LastIndexOf('/');
        if (!fullMethod.StartsWith('/') || slash <= 1) throw new ArgumentException($"'{fullMethod}' is not /package.Service/Method.", nameof(fullMethod));
        return new Method<TRequest, TResponse>(MethodType.Unary, fullMethod[1..slash], fullMethod[(slash + 1)..],
            Marshallers.Create(m => m.ToByteArray(), new MessageParser<TRequest>(() => new TRequest()).ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), new MessageParser<TResponse>(() => new TResponse()).ParseFrom));
    }
}
