using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Activity sources and meters of our own all start with this prefix, so one wildcard subscribes to them.</summary>
    public const string PlatformPrefix = "Platform.";

    /// <summary>Libraries that trace and meter through their own sources (no instrumentation package needed).</summary>
    private static readonly string[] LibrarySources = ["MassTransit", "Npgsql"];

    /// <summary>
    /// Aspire's template shape on OpenTelemetry.Extensions.Hosting: ASP.NET Core, HttpClient and runtime instrumentation
    /// plus our own <c>Platform.*</c> sources and meters; logs, traces and metrics go over OTLP (UseOtlpExporter reads
    /// the OTEL_EXPORTER_OTLP_* settings Aspire injects) only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var sampler = TraceSampling.From(builder.Configuration["OTEL_TRACES_SAMPLER"], builder.Configuration["OTEL_TRACES_SAMPLER_ARG"]);
        // Aspire names each replica in OTEL_RESOURCE_ATTRIBUTES (service.instance.id), and the dashboard files telemetry
        // under that name: keep it when given.
        var instanceGiven = builder.Configuration["OTEL_RESOURCE_ATTRIBUTES"]?.Contains("service.instance.id=", StringComparison.Ordinal) == true;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (instanceGiven) resource.AddService(serviceName, autoGenerateServiceInstanceId: false);
                else resource.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId);
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(LibrarySources).AddMeter(PlatformPrefix + "*"))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new BackgroundCallFilter(sampler));
                // Spans nobody exports are pure cost on the hot path (every request made a server span, a client span
                // and their tags): sources are listened to only when there is somewhere to send them.
                if (!exportOtlp || sampler is AlwaysOffSampler) return;
                // gRPC calls get one client span each (with rpc.* tags) instead of a bare HTTP POST span beside it.
                tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation()
                    .AddGrpcClientInstrumentation(grpc => grpc.SuppressDownstreamInstrumentation = true)
                    .AddSource(LibrarySources).AddSource(PlatformPrefix + "*");
            });
        if (exportOtlp) telemetry.UseOtlpExporter();
        return builder;
    }
}
