using System.Buffers;
using System.Text;

namespace GrpcLite.Protocol;

/// <summary>
/// Percent-encoding of <c>grpc-message</c>: the UTF-8 bytes of the text, with every byte outside
/// printable ASCII (0x20–0x7E) and '%' itself written as %XX.
/// </summary>
internal static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        if (!NeedsEncoding(message))
        {
            return message;
        }
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }
        return builder.ToString();
    }

    /// <summary>Decodes %XX sequences; a malformed sequence is kept as it is, as the spec asks.</summary>
    public static string Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%'))
        {
            return value ?? "";
        }
        var buffer = ArrayPool<byte>.Shared.Rent(value.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
                {
                    buffer[length++] = (byte)((high << 4) | low);
                    i += 2;
                }
                else
                {
                    buffer[length++] = (byte)c;
                }
            }
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (var c in message)
        {
            if (c < 0x20 || c > 0x7E || c == '%')
            {
                return true;
            }
        }
        return false;
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
