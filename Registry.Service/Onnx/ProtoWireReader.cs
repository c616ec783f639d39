using System.Text;

namespace Registry.Service.Onnx;

/// <summary>
/// A minimal protobuf wire-format reader over a seekable stream. The registry reads only an ONNX model's header
/// (opsets, graph inputs and outputs, initializer names) and seeks over everything else, so checking a 2 GiB model
/// reads kilobytes and allocates no copy of its weights.
/// </summary>
internal sealed class ProtoWireReader(Stream stream)
{
    public const int VarInt = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public long Position => stream.Position;

    /// <summary>Reads the next tag before <paramref name="end"/>; false at <paramref name="end"/>.</summary>
    public bool TryReadTag(long end, out int field, out int wireType)
    {
        field = wireType = 0;
        if (stream.Position == end) return false;
        if (stream.Position > end) throw new InvalidDataException("a field runs past the end of its message");
        var tag = ReadVarint();
        field = checked((int)(tag >> 3));
        wireType = (int)(tag & 7);
        if (field == 0) throw new InvalidDataException("field number 0");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0) throw new InvalidDataException("the data ends inside a number");
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("a malformed varint");
    }

    /// <summary>Reads a length prefix and returns where that field ends, checked against the enclosing end.</summary>
    public long ReadLengthEnd(long enclosingEnd)
    {
        var length = ReadVarint();
        if (length > (ulong)(enclosingEnd - stream.Position)) throw new InvalidDataException("a length runs past the end of its message");
        return stream.Position + (long)length;
    }

    public byte[] ReadBytes(long enclosingEnd, int maxLength)
    {
        var end = ReadLengthEnd(enclosingEnd);
        var length = end - stream.Position;
        if (length > maxLength) throw new InvalidDataException($"a field of {length} bytes where at most {maxLength} are expected");
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public string ReadString(long enclosingEnd, int maxLength = 64 * 1024)
    {
        try
        {
            return StrictUtf8.GetString(ReadBytes(enclosingEnd, maxLength));
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException("a string that is not UTF-8");
        }
    }

    public void Skip(int wireType, long enclosingEnd)
    {
        switch (wireType)
        {
            case VarInt: ReadVarint(); break;
            case Fixed64: SeekTo(stream.Position + 8, enclosingEnd); break;
            case Fixed32: SeekTo(stream.Position + 4, enclosingEnd); break;
            case LengthDelimited: SeekTo(ReadLengthEnd(enclosingEnd), enclosingEnd); break;
            // Groups (3, 4) are not used by ONNX; 6 and 7 do not exist.
            default: throw new InvalidDataException($"wire type {wireType}");
        }
    }

    public void SeekTo(long position, long enclosingEnd)
    {
        if (position > enclosingEnd) throw new InvalidDataException("a field runs past the end of its message");
        stream.Position = position;
    }

    public static void Expect(int wireType, int expected, string what)
    {
        if (wireType != expected) throw new InvalidDataException($"{what} has wire type {wireType}, expected {expected}");
    }
}
