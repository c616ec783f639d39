using Google.Protobuf;
using GrpcLite.Protocol;
using Microsoft.AspNetCore.Http;

namespace GrpcLite.Server;

/// <summary>Request messages of a streaming call, read from the request body pipe.</summary>
internal sealed class HttpRequestStreamReader<T>(HttpContext httpContext, ServerCallContext call, MessageParser<T> parser, int maxMessageSize)
    : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;
    private bool _completed;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return false;
        }
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        var token = linked?.Token ?? call.CancellationToken;
        _current = await PipeMessageReader.ReadAsync(httpContext.Request.BodyReader, parser, maxMessageSize, call.RequestEncoding, token).ConfigureAwait(false);
        _completed = _current is null;
        return !_completed;
    }
}

/// <summary>Response messages of a streaming call: each written frame is flushed so the client sees it at once.</summary>
internal sealed class HttpResponseStreamWriter<T>(HttpContext httpContext, ServerCallContext call, int maxMessageSize)
    : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        call.CancellationToken.ThrowIfCancellationRequested();
        var writer = httpContext.Response.BodyWriter;
        MessageFrame.Write(writer, message, maxMessageSize);
        call.ResponseBodyWritten = true;
        var token = cancellationToken.CanBeCanceled ? cancellationToken : call.CancellationToken;
        var flushed = await writer.FlushAsync(token).ConfigureAwait(false);
        if (flushed.IsCompleted || flushed.IsCanceled)
        {
            // The client reset the stream or went away: stop the handler instead of writing into the void.
            throw new OperationCanceledException("The client is no longer reading the response stream.", call.CancellationToken);
        }
    }
}
