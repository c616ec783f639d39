using System.IO.Compression;
using Contracts.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AppHost.Dashboard.Traces;

/// <summary>
/// OTLP/HTTP trace receiver (<c>POST /v1/traces</c>, protobuf body, optionally gzip) for the services the AppHost
/// starts, and the dashboard's read side (<c>GET /api/traces</c>, <c>GET /api/traces/{traceId}</c>).
/// </summary>
internal static class TracesApi
{
    public const long MaxExportBytes = 16 * 1024 * 1024;
    private const string Protobuf = "application/x-protobuf";

    public static WebApplication MapTraces(this WebApplication app)
    {
        app.MapPost("/v1/traces", ReceiveAsync);
        app.MapGet("/api/traces", (TraceStore store, string? service, int? limit) =>
            TypedResults.Ok(store.List(service, Math.Clamp(limit ?? 100, 1, TraceStore.MaxTraces))));
        app.MapGet("/api/traces/{traceId}", Results<Ok<IReadOnlyList<SpanView>>, ProblemHttpResult> (TraceStore store, string traceId) =>
            store.Get(traceId.ToLowerInvariant()) is { } spans
                ? TypedResults.Ok(spans)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown trace", detail: $"No trace '{traceId}' is held (the newest {TraceStore.MaxTraces} are)."));
        return app;
    }

    internal static async Task<IResult> ReceiveAsync(HttpRequest request, TraceStore store, CancellationToken cancellation)
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), Protobuf, StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"OTLP/HTTP traces are accepted as {Protobuf} (set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).");
        if (request.ContentLength > MaxExportBytes)
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Export too large",
                detail: $"An export may hold at most {MaxExportBytes} bytes.");

        ExportTraceServiceRequest export;
        try
        {
            await using var body = request.Headers.ContentEncoding.ToString() switch
            {
                "gzip" => new GZipStream(request.Body, CompressionMode.Decompress),
                "" or "identity" => request.Body,
                var other => throw new InvalidDataException($"Content-Encoding '{other}' is not supported (gzip is)."),
            };
            using var buffer = new MemoryStream();
            await CopyBoundedAsync(body, buffer, cancellation);
            export = ExportTraceServiceRequest.Parser.ParseFrom(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not an OTLP trace export", detail: e.Message);
        }

        var rejected = store.Add(export);
        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejected,
                ErrorMessage = "spans without a 16-byte trace id and an 8-byte span id, or beyond a trace's span limit, are dropped",
            };
        return TypedResults.Bytes(response.ToByteArray(), Protobuf);
    }

    private static async Task CopyBoundedAsync(Stream source, MemoryStream target, CancellationToken cancellation)
    {
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellation)) > 0)
        {
            if (target.Length + read > MaxExportBytes) throw new InvalidDataException($"The export is larger than {MaxExportBytes} bytes.");
            target.Write(chunk, 0, read);
        }
    }
}
