using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using GrpcLite.Protocol;

namespace GrpcLite.Client;

/// <summary>Reads framed messages from a response body stream through one pooled, reused buffer.</summary>
internal sealed class StreamMessageReader(Stream stream, int maxMessageSize, string? encoding) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _start;
    private int _end;

    /// <summary>The next message, or null when the body ended cleanly between messages.</summary>
    public async ValueTask<T?> ReadAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        if (!await FillAsync(GrpcProtocol.HeaderSize, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                return null;
            }
            throw Incomplete();
        }
        var header = _buffer.AsSpan(_start, GrpcProtocol.HeaderSize);
        var compressed = header[0] switch
        {
            0 => false,
            1 => true,
            _ => throw new RpcException(StatusCode.Internal, "Invalid compressed flag in message frame."),
        };
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize})");
        }
        var frameSize = GrpcProtocol.HeaderSize + (int)length;
        if (!await FillAsync(frameSize, cancellationToken).ConfigureAwait(false))
        {
            throw Incomplete();
        }
        var payload = new ReadOnlySequence<byte>(_buffer, _start + GrpcProtocol.HeaderSize, (int)length);
        var message = MessageFrame.Parse(parser, payload, compressed, encoding, maxMessageSize);
        _start += frameSize;
        if (_start == _end)
        {
            _start = _end = 0;
        }
        return message;
    }

    /// <summary>Reads until at least <paramref name="count"/> unread bytes are buffered; false if the body ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }
        if (_buffer.Length - _start < count)
        {
            var target = _buffer.Length >= count ? _buffer : ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }
            _end += read;
        }
        return true;
    }

    private static RpcException Incomplete() =>
        new(StatusCode.Internal, "Incomplete message: the response ended inside a frame.");

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
