using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace GrpcLite.Protocol;

/// <summary>Moves metadata between <see cref="Metadata"/> and HTTP/2 header fields.</summary>
internal static class MetadataHeaders
{
    public static Metadata FromHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            AddValues(metadata, name, values);
        }
        return metadata;
    }

    public static void AddValues(Metadata metadata, string name, StringValues values)
    {
        var binary = Metadata.IsBinaryKey(name);
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }
            if (binary)
            {
                // Peers may join several binary values with commas, each base64 without padding.
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    metadata.Add(name, DecodeBase64(part));
                }
            }
            else
            {
                metadata.Add(name, value);
            }
        }
    }

    public static string ToHeaderValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;

    public static void CopyTo(Metadata metadata, IHeaderDictionary headers)
    {
        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, ToHeaderValue(entry));
        }
    }

    /// <summary>Base64 with or without padding (gRPC peers may omit it).</summary>
    public static byte[] DecodeBase64(string value)
    {
        var padding = (4 - value.Length % 4) % 4;
        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }
}
