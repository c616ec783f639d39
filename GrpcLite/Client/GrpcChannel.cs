using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using GrpcLite.Client;
using GrpcLite.Protocol;
using GrpcLite.Telemetry;

namespace GrpcLite;

/// <summary>
/// A connection pool to one gRPC server (HTTP/2 prior knowledge, several connections when one
/// fills up) and the calls made through it. Thread-safe; meant to be long-lived and shared.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private static readonly ConcurrentDictionary<string, GrpcChannel> SharedChannels = new(StringComparer.OrdinalIgnoreCase);
    private static readonly string UserAgent = $"grpc-lite-dotnet/{typeof(GrpcChannel).Assembly.GetName().Version?.ToString(3)}";

    private readonly HttpMessageInvoker _invoker;
    private readonly GrpcChannelOptions _options;
    private readonly bool _shared;
    private readonly ConcurrentDictionary<string, MethodTarget> _methods = new(StringComparer.Ordinal);

    private GrpcChannel(Uri address, GrpcChannelOptions options, bool shared)
    {
        Address = address;
        _options = options;
        _shared = shared;
        _invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(), options.HttpHandler is null || options.DisposeHttpHandler);
    }

    public Uri Address { get; }

    /// <summary>
    /// A channel to <paramref name="address"/>. Without options, every caller gets the same
    /// shared channel per address (so its connections are reused); with options, a new channel
    /// the caller owns and disposes.
    /// </summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"gRPC address '{address}' must be http:// or https://.", nameof(address));
        }
        if (options is not null)
        {
            return new GrpcChannel(address, options, shared: false);
        }
        return SharedChannels.GetOrAdd(address.GetLeftPart(UriPartial.Authority), key => new GrpcChannel(new Uri(key), new GrpcChannelOptions(), shared: true));
    }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => ForAddress(new Uri(address), options);

    /// <summary>A unary call; returns the response or throws <see cref="RpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(string fullMethod, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var frame = Frame(request);
        var result = await InvokeAsync<TResponse>(fullMethod, options, () => new FramedMessageContent(frame), captureMetadata: false).ConfigureAwait(false);
        return result.Response;
    }

    /// <summary>A unary call returning the response with its headers and trailers.</summary>
    public Task<CallResult<TResponse>> UnaryCallAsync<TRequest, TResponse>(string fullMethod, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var frame = Frame(request);
        return InvokeAsync<TResponse>(fullMethod, options, () => new FramedMessageContent(frame), captureMetadata: true);
    }

    /// <summary>A client-streaming call: sends every message of <paramref name="requests"/>, then reads the one response.</summary>
    public async Task<TResponse> ClientStreamingAsync<TRequest, TResponse>(string fullMethod, IAsyncEnumerable<TRequest> requests, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(requests);
        options = options with { Idempotent = false };
        var result = await InvokeAsync<TResponse>(fullMethod, options,
            () => new StreamingMessageContent<TRequest>(requests, Frame, options.CancellationToken).WithContentType(), captureMetadata: false).ConfigureAwait(false);
        return result.Response;
    }

    public Task<CallResult<TResponse>> ClientStreamingCallAsync<TRequest, TResponse>(string fullMethod, IAsyncEnumerable<TRequest> requests, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(requests);
        // A stream cannot be replayed, so it is never retried.
        options = options with { Idempotent = false };
        return InvokeAsync<TResponse>(fullMethod, options,
            () => new StreamingMessageContent<TRequest>(requests, Frame, options.CancellationToken).WithContentType(), captureMetadata: true);
    }

    /// <summary>
    /// A server-streaming call. The call starts when enumeration starts; each response message is
    /// yielded as it arrives; a non-OK status is thrown as <see cref="RpcException"/> at the end.
    /// </summary>
    public async IAsyncEnumerable<TResponse> ServerStreaming<TRequest, TResponse>(string fullMethod, TRequest request, CallOptions options = default,
        [EnumeratorCancellation] CancellationToken enumerationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = Target(fullMethod);
        var frame = Frame(request);
        using var scope = new CallScope(target, options, enumerationToken);
        Exception? failure = null;
        HttpResponseMessage? response = null;
        StreamMessageReader? reader = null;
        try
        {
            try
            {
                response = await SendAsync(target, new FramedMessageContent(frame), options.Headers, scope).ConfigureAwait(false);
                if (ResponseStatus.FromHeaders(response) is { } early)
                {
                    ThrowIfNotOk(early, response.Headers);
                    scope.Complete(StatusCode.OK);
                    yield break;
                }
                var body = await response.Content.ReadAsStreamAsync(scope.Token).ConfigureAwait(false);
                reader = new StreamMessageReader(body, _options.MaxReceiveMessageSize, EncodingOf(response));
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            if (failure is not null)
            {
                throw scope.Fail(failure);
            }

            while (true)
            {
                TResponse? message = null;
                try
                {
                    message = await reader!.ReadAsync(ParserCache<TResponse>.Parser, scope.Token).ConfigureAwait(false);
                    if (message is null)
                    {
                        ThrowIfNotOk(ResponseStatus.FromTrailers(response!), response!.TrailingHeaders);
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                if (failure is not null)
                {
                    throw scope.Fail(failure);
                }
                if (message is null)
                {
                    scope.Complete(StatusCode.OK);
                    yield break;
                }
                yield return message;
            }
        }
        finally
        {
            reader?.Dispose();
            response?.Dispose();
        }
    }

    public void Dispose()
    {
        // Shared channels live as long as the process: other callers hold them too.
        if (!_shared)
        {
            _invoker.Dispose();
        }
    }

    /// <param name="captureMetadata">False when the caller wants only the response: skips copying headers and trailers.</param>
    private async Task<CallResult<TResponse>> InvokeAsync<TResponse>(string fullMethod, CallOptions options, Func<HttpContent> content, bool captureMetadata)
        where TResponse : class, IMessage<TResponse>, new()
    {
        var target = Target(fullMethod);
        using var scope = new CallScope(target, options, CancellationToken.None);
        var backoff = _options.InitialBackoff < _options.MaxBackoff ? _options.InitialBackoff : _options.MaxBackoff;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await InvokeOnceAsync<TResponse>(target, options, content(), scope, captureMetadata).ConfigureAwait(false);
                scope.Complete(StatusCode.OK);
                return result;
            }
            catch (Exception ex)
            {
                var failure = scope.Map(ex);
                if (!options.Idempotent || failure.StatusCode != StatusCode.Unavailable || attempt >= _options.MaxRetryAttempts)
                {
                    throw scope.Fail(failure);
                }
                // Jittered exponential backoff; give up when the wait would pass the deadline.
                var delay = TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + Random.Shared.NextDouble() * 0.5)));
                if (options.Deadline is { } deadline && DateTime.UtcNow + delay >= deadline.ToUniversalTime())
                {
                    throw scope.Fail(failure);
                }
                try
                {
                    await Task.Delay(delay, scope.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException cancelled)
                {
                    throw scope.Fail(cancelled);
                }
                backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, (long)(backoff.Ticks * _options.BackoffMultiplier)));
            }
        }
    }

    private async Task<CallResult<TResponse>> InvokeOnceAsync<TResponse>(MethodTarget target, CallOptions options, HttpContent content, CallScope scope, bool captureMetadata)
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var response = await SendAsync(target, content, options.Headers, scope).ConfigureAwait(false);
        if (ResponseStatus.FromHeaders(response) is { } early)
        {
            ThrowIfNotOk(early, response.Headers);
            throw new RpcException(StatusCode.Internal, "Failed to deserialize response message: the response carried no message.");
        }

        var body = await response.Content.ReadAsStreamAsync(scope.Token).ConfigureAwait(false);
        using var reader = new StreamMessageReader(body, _options.MaxReceiveMessageSize, EncodingOf(response));
        var message = await reader.ReadAsync(ParserCache<TResponse>.Parser, scope.Token).ConfigureAwait(false);
        if (message is not null && await reader.ReadAsync(ParserCache<TResponse>.Parser, scope.Token).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, "Bad gRPC response. More than one message for a unary call.");
        }
        var status = ResponseStatus.FromTrailers(response);
        ThrowIfNotOk(status, response.TrailingHeaders);
        if (message is null)
        {
            throw new RpcException(StatusCode.Internal, "Failed to deserialize response message: the response carried no message.");
        }
        return captureMetadata
            ? new CallResult<TResponse>(message, ResponseStatus.ToMetadata(response.Headers), ResponseStatus.ToMetadata(response.TrailingHeaders))
            : new CallResult<TResponse>(message, NotCaptured, NotCaptured);
    }

    private Task<HttpResponseMessage> SendAsync(MethodTarget target, HttpContent content, Metadata? headers, CallScope scope)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var requestHeaders = request.Headers;
        requestHeaders.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.Trailers);
        requestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
        requestHeaders.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_options.CompressRequests)
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }
        if (scope.Timeout is { } timeout)
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout()));
        }
        if (headers is not null)
        {
            foreach (var entry in headers)
            {
                requestHeaders.TryAddWithoutValidation(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }
        return _invoker.SendAsync(request, scope.Token);
    }

    private byte[] Frame(IMessage message)
    {
        var maxSend = _options.MaxSendMessageSize ?? int.MaxValue;
        var frame = MessageFrame.ToArray(message, maxSend);
        if (!_options.CompressRequests)
        {
            return frame;
        }
        var compressed = MessageFrame.Gzip.Compress(frame.AsSpan(GrpcProtocol.HeaderSize));
        var compressedFrame = new byte[GrpcProtocol.HeaderSize + compressed.Length];
        compressedFrame[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(compressedFrame.AsSpan(1), (uint)compressed.Length);
        compressed.CopyTo(compressedFrame, GrpcProtocol.HeaderSize);
        return compressedFrame;
    }

    /// <summary>Stands in for headers nobody asked for; never handed out (UnaryAsync returns only the response).</summary>
    private static readonly Metadata NotCaptured = new();

    private MethodTarget Target(string fullMethod) => _methods.GetOrAdd(fullMethod, static (method, address) => MethodTarget.Parse(address, method), Address);

    private static string? EncodingOf(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var values) ? values.ToString() : null;

    private static void ThrowIfNotOk(Status status, HttpHeaders trailers)
    {
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, ResponseStatus.ToMetadata(trailers));
        }
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // Service addresses are direct; an environment proxy would break h2c prior knowledge.
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    };

    private static class ParserCache<T>
        where T : class, IMessage<T>, new()
    {
        public static readonly MessageParser<T> Parser = new(() => new T());
    }

    /// <summary>The request URI and telemetry names of one method, parsed once per channel.</summary>
    internal sealed record MethodTarget(Uri Uri, string Service, string Method)
    {
        public static MethodTarget Parse(Uri address, string fullMethod)
        {
            var slash = fullMethod.LastIndexOf('/');
            if (!fullMethod.StartsWith('/') || slash <= 1 || slash == fullMethod.Length - 1)
            {
                throw new ArgumentException($"'{fullMethod}' is not a gRPC method path like /package.Service/Method.", nameof(fullMethod));
            }
            return new MethodTarget(new Uri(address, fullMethod), fullMethod[1..slash], fullMethod[(slash + 1)..]);
        }
    }
}
