using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;

namespace GrpcLite.Protocol;

/// <summary>
/// The length-prefixed message framing of gRPC: a 1-byte compressed flag, a big-endian uint32
/// length, then the (possibly compressed) protobuf bytes.
/// </summary>
internal static class MessageFrame
{
    /// <summary>
    /// Takes one whole frame from the front of <paramref name="buffer"/>. Returns false when the
    /// buffer does not yet hold a whole frame (the caller reads more and tries again). The size
    /// limit is checked against the header alone, so an oversized message is never buffered.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload, out bool compressed)
    {
        payload = default;
        compressed = false;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        compressed = header[0] switch
        {
            0 => false,
            1 => true,
            _ => throw new RpcException(StatusCode.Internal, "Invalid compressed flag in message frame."),
        };
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxMessageSize})");
        }
        if (buffer.Length < GrpcProtocol.HeaderSize + length)
        {
            return false;
        }

        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Parses a payload, inflating it first when it came compressed.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxMessageSize)
        where T : IMessage<T>
    {
        if (!compressed)
        {
            return parser.ParseFrom(payload);
        }
        if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
        {
            // The flag says compressed but the call did not name an encoding we can read.
            throw new RpcException(StatusCode.Internal,
                $"Compressed message received with grpc-encoding '{encoding ?? GrpcProtocol.IdentityEncoding}'.");
        }
        var inflated = Gzip.Decompress(payload, maxMessageSize);
        return parser.ParseFrom(inflated);
    }

    /// <summary>Writes one uncompressed frame straight into <paramref name="writer"/>'s memory.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message larger than max ({size} vs. {maxMessageSize})");
        }
        var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
        writer.Advance(GrpcProtocol.HeaderSize + size);
    }

    /// <summary>One whole frame in a new array, for request bodies sent in a single write.</summary>
    public static byte[] ToArray(IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message larger than max ({size} vs. {maxMessageSize})");
        }
        var frame = new byte[GrpcProtocol.HeaderSize + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.HeaderSize));
        return frame;
    }

    /// <summary>gzip in both directions, bounded so a small bomb cannot inflate past the message limit.</summary>
    internal static class Gzip
    {
        public static byte[] Compress(ReadOnlySpan<byte> data)
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(data);
            }
            return output.ToArray();
        }

        public static ReadOnlySequence<byte> Decompress(ReadOnlySequence<byte> payload, int maxMessageSize)
        {
            using var input = new ReadOnlySequenceStream(payload);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (output.Length + read > maxMessageSize)
                    {
                        throw new RpcException(StatusCode.ResourceExhausted,
                            $"Received message larger than max after decompression (limit {maxMessageSize})");
                    }
                    output.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException)
            {
                throw new RpcException(StatusCode.Internal, "Failed to decompress a gzip message.");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
    }

    /// <summary>A read-only stream over a sequence, so GZipStream can read it without copying.</summary>
    private sealed class ReadOnlySequenceStream(ReadOnlySequence<byte> sequence) : Stream
    {
        private ReadOnlySequence<byte> _remaining = sequence;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var take = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, take).CopyTo(buffer);
            _remaining = _remaining.Slice(take);
            return take;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
