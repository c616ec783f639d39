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
        var (export, refusal) = await OtlpBody.ReadAsync(request, ExportTraceServiceRequest.Parser, cancellation);
        if (export is null) return refusal!;

        var rejected = store.Add(export);
        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejected,
                ErrorMessage = "spans without a 16-byte trace id and an 8-byte span id, or beyond a trace's span limit, are dropped",
            };
        return TypedResults.Bytes(response.ToByteArray(), OtlpBody.Protobuf);
    }
}
