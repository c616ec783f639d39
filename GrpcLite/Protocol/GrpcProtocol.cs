namespace GrpcLite.Protocol;

/// <summary>Header names and values of the gRPC over HTTP/2 protocol.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string Trailers = "trailers";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>The encodings we can read; advertised in <c>grpc-accept-encoding</c>.</summary>
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>The frame header: a compressed flag and a big-endian uint32 length.</summary>
    public const int HeaderSize = 5;

    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// <c>application/grpc</c>, optionally followed by <c>+proto</c> (or another subtype) and parameters.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (contentType.Length == ContentType.Length)
        {
            return true;
        }
        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }

    /// <summary>Headers that belong to the protocol and never surface as call metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.StartsWith(':')
        || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "content-type", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "te", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "host", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "content-length", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "user-agent", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "accept-encoding", StringComparison.OrdinalIgnoreCase);
}
