using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Service.Scripts;

/// <summary>
/// The framing between node and worker (platform_worker.py has the other half): u32 length of the rest, u64 request
/// id, u8 kind, u32 meta length, meta as JSON, body bytes. Little-endian; the body is passed as is (no base64).
/// </summary>
public static class ScriptFrames
{
    public const byte Request = 1, Ready = 10, Response = 11, Error = 12, InitFailed = 13;
    public const int HeaderSize = 17;

    public static byte[] Encode(ulong id, byte kind, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> body)
    {
        var frame = new byte[HeaderSize + meta.Length + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(4), id);
        frame[12] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(13), (uint)meta.Length);
        meta.CopyTo(frame.AsSpan(HeaderSize));
        body.CopyTo(frame.AsSpan(HeaderSize + meta.Length));
        return frame;
    }

    public sealed record Frame(ulong Id, byte Kind, JsonObject Meta, byte[] Body);

    /// <summary>Reads one frame; null at the end of the stream.</summary>
    public static async Task<Frame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken)) return null;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var id = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(4));
        var kind = header[12];
        var metaLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(13));
        var rest = new byte[length - (HeaderSize - 4)];
        await stream.ReadExactlyAsync(rest, cancellationToken);
        var meta = metaLength == 0 ? [] : JsonNode.Parse(rest.AsSpan(0, metaLength))!.AsObject();
        return new Frame(id, kind, meta, rest[metaLength..]);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new EndOfStreamException("The worker closed the connection in the middle of a frame.");
            }
            read += n;
        }
        return true;
    }

    public static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
