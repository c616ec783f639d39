using System.IO.Compression;
using Google.Protobuf;

namespace AppHost.Dashboard;

/// <summary>
/// Reads one OTLP/HTTP export body (protobuf, optionally gzip, bounded), as every signal's receiver does; a body that
/// cannot be taken is answered with problem details saying why.
/// </summary>
internal static class OtlpBody
{
    public const long MaxExportBytes = 16 * 1024 * 1024;
    public const string Protobuf = "application/x-protobuf";

    public static async Task<(T? Message, IResult? Refusal)> ReadAsync<T>(HttpRequest request, MessageParser<T> parser, CancellationToken cancellation)
        where T : IMessage<T>
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), Protobuf, StringComparison.OrdinalIgnoreCase))
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"OTLP/HTTP exports are accepted as {Protobuf} (set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)."));
        if (request.ContentLength > MaxExportBytes)
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Export too large",
                detail: $"An export may hold at most {MaxExportBytes} bytes."));
        try
        {
            await using var body = request.Headers.ContentEncoding.ToString() switch
            {
                "gzip" => new GZipStream(request.Body, CompressionMode.Decompress),
                "" or "identity" => request.Body,
                var other => throw new InvalidDataException($"Content-Encoding '{other}' is not supported (gzip is)."),
            };
            using var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
            {
                if (buffer.Length + read > MaxExportBytes) throw new InvalidDataException($"The export is larger than {MaxExportBytes} bytes.");
                buffer.Write(chunk, 0, read);
            }
            return (parser.ParseFrom(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)), null);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not an OTLP export", detail: e.Message));
        }
    }
}
