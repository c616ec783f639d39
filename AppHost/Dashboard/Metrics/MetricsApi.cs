using Contracts.Otlp;
using Google.Protobuf;

namespace AppHost.Dashboard.Metrics;

/// <summary>OTLP/HTTP metrics receiver (<c>POST /v1/metrics</c>) and the dashboard's read side (<c>GET /api/metrics</c>).</summary>
internal static class MetricsApi
{
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPost("/v1/metrics", ReceiveAsync);
        app.MapGet("/api/metrics", (MetricStore store, string? service, string? name) => TypedResults.Ok(store.List(service, name)));
        return app;
    }

    internal static async Task<IResult> ReceiveAsync(HttpRequest request, MetricStore store, CancellationToken cancellation)
    {
        var (export, refusal) = await OtlpBody.ReadAsync(request, ExportMetricsServiceRequest.Parser, cancellation);
        if (export is null) return refusal!;

        var rejected = store.Add(export);
        var response = new ExportMetricsServiceResponse();
        if (rejected > 0)
            response.PartialSuccess = new ExportMetricsPartialSuccess
            {
                RejectedDataPoints = rejected,
                ErrorMessage = $"the dashboard holds at most {MetricStore.MaxSeries} series; new ones are dropped",
            };
        return TypedResults.Bytes(response.ToByteArray(), OtlpBody.Protobuf);
    }
}
