using System.Net;
using Google.Protobuf;
using GrpcLite.Protocol;

namespace GrpcLite.Client;

/// <summary>A request body holding one already-framed message.</summary>
internal sealed class FramedMessageContent : HttpContent
{
    private readonly byte[] _frame;

    public FramedMessageContent(byte[] frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _frame.Length;
        return true;
    }
}

/// <summary>A request body streamed from an async sequence; each message is flushed as it is produced.</summary>
internal sealed class StreamingMessageContent<T>(IAsyncEnumerable<T> messages, Func<IMessage, byte[]> frame, CancellationToken callToken) : HttpContent
    where T : IMessage<T>
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var message in messages.WithCancellation(callToken).ConfigureAwait(false))
        {
            await stream.WriteAsync(frame(message), callToken).ConfigureAwait(false);
            await stream.FlushAsync(callToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    internal StreamingMessageContent<T> WithContentType()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
        return this;
    }
}
