using System.Net;
using System.Net.Sockets;
using GrpcLite.Protocol;
using Microsoft.AspNetCore.Http;

namespace GrpcLite;

/// <summary>What a handler knows about the call it serves, and what it may add to the response.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _httpContext;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private CancellationTokenSource? _deadlineSource;
    private CancellationTokenSource? _linkedSource;

    internal ServerCallContext(HttpContext httpContext, string method)
    {
        _httpContext = httpContext;
        Method = method;
        CancellationToken = httpContext.RequestAborted;
    }

    /// <summary>The full method name, e.g. <c>/registry.v1.Registry/ResolveModel</c>.</summary>
    public string Method { get; }

    public string Host => _httpContext.Request.Host.Value ?? "";

    /// <summary>The caller's address in gRPC's form, e.g. <c>ipv4:127.0.0.1:51234</c>.</summary>
    public string Peer => FormatPeer(_httpContext.Connection.RemoteIpAddress, _httpContext.Connection.RemotePort);

    /// <summary>When the client gives up, in UTC; <see cref="DateTime.MaxValue"/> when it set no deadline.</summary>
    public DateTime Deadline { get; private set; } = DateTime.MaxValue;

    /// <summary>Cancelled when the client cancels, the connection drops, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; private set; }

    public Metadata RequestHeaders => _requestHeaders ??= MetadataHeaders.FromHeaders(_httpContext.Request.Headers);

    /// <summary>Trailers sent with the status at the end of the call.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    public HttpContext HttpContext => _httpContext;

    /// <summary>The encoding of the request messages (<c>identity</c> or <c>gzip</c>).</summary>
    internal string? RequestEncoding { get; private set; }

    internal bool DeadlineExceeded => _deadlineSource?.IsCancellationRequested == true;

    internal bool ResponseHeadersWritten { get; private set; }

    internal bool ResponseBodyWritten { get; set; }

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };

    /// <summary>Sends the response headers now, with <paramref name="responseHeaders"/> added. At most once, before the first message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        if (ResponseHeadersWritten || ResponseBodyWritten)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }
        MetadataHeaders.CopyTo(responseHeaders, _httpContext.Response.Headers);
        ResponseHeadersWritten = true;
        return _httpContext.Response.BodyWriter.FlushAsync(CancellationToken).AsTask();
    }

    /// <summary>Reads grpc-timeout and grpc-encoding; throws RpcException for values we cannot honour.</summary>
    internal void Initialize()
    {
        var request = _httpContext.Request;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader[0], out var timeout))
            {
                throw new RpcException(StatusCode.Internal, $"Invalid grpc-timeout header '{timeoutHeader[0]}'.");
            }
            StartDeadline(timeout);
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0)
        {
            var name = encoding[0];
            if (!string.Equals(name, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(name, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{name}'. Supported encodings: {GrpcProtocol.SupportedEncodings}");
            }
            RequestEncoding = name;
        }
    }

    /// <summary>Cancels the handler's token when the deadline passes; the status then becomes DEADLINE_EXCEEDED.</summary>
    internal void StartDeadline(TimeSpan timeout)
    {
        Deadline = DateTime.UtcNow + timeout;
        _deadlineSource = new CancellationTokenSource(timeout);
        _linkedSource = CancellationTokenSource.CreateLinkedTokenSource(_httpContext.RequestAborted, _deadlineSource.Token);
        CancellationToken = _linkedSource.Token;
    }

    internal void DisposeDeadline()
    {
        _linkedSource?.Dispose();
        _deadlineSource?.Dispose();
    }

    private static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}
