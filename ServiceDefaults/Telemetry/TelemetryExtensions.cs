using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Activity sources and meters of our own all start with this prefix, so one wildcard subscribes to them.</summary>
    public const string PlatformPrefix = "Platform.";

    private static readonly string[] FrameworkSources = ["Microsoft.AspNetCore", "System.Net.Http", "MassTransit", "Npgsql"];
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "System.Net.Http", "System.Runtime", "MassTransit", "Npgsql",
    ];

    /// <summary>
    /// Builds tracer and meter providers owned by the DI container (so they are disposed, and flushed, on shutdown).
    /// OpenTelemetry.Extensions.Hosting is not obtainable here; this is its small equivalent.
    /// Exporting happens only when OTEL_EXPORTER_OTLP_ENDPOINT is set, as in Aspire.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        // Traces alone may go elsewhere (the AppHost's dashboard receives only traces).
        var tracesEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];
        var exportTraces = exportOtlp || !string.IsNullOrWhiteSpace(tracesEndpoint);
        var metricsEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];
        var exportMetrics = exportOtlp || !string.IsNullOrWhiteSpace(metricsEndpoint);
        var metricsInterval = int.TryParse(builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"], out var interval) && interval > 0 ? interval : 60_000;
        var sampler = TraceSampling.From(builder.Configuration["OTEL_TRACES_SAMPLER"], builder.Configuration["OTEL_TRACES_SAMPLER_ARG"]);
        // Aspire names each replica in OTEL_RESOURCE_ATTRIBUTES (service.instance.id), and the dashboard files telemetry
        // under that name: keep it when given.
        var instanceGiven = builder.Configuration["OTEL_RESOURCE_ATTRIBUTES"]?.Contains("service.instance.id=", StringComparison.Ordinal) == true;
        var resource = instanceGiven
            ? ResourceBuilder.CreateDefault().AddService(serviceName, autoGenerateServiceInstanceId: false)
            : ResourceBuilder.CreateDefault().AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(resource);
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            if (exportOtlp) logging.AddOtlpExporter();
        });

        builder.Services.AddSingleton(_ =>
        {
            // Spans nobody exports are pure cost on the hot path (every request made a server span, a client span and
            // their tags): sources are listened to only when there is somewhere to send them.
            var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).SetSampler(new BackgroundCallFilter(sampler));
            if (exportTraces && sampler is not AlwaysOffSampler)
            {
                tracing.AddSource(FrameworkSources).AddSource(PlatformPrefix + "*")
                    .AddOtlpExporter(otlp => UseSignalEndpoint(otlp, builder.Configuration, "TRACES", exportOtlp));
            }
            return tracing.Build();
        });
        builder.Services.AddSingleton(_ =>
        {
            var metrics = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(FrameworkMeters)
                .AddMeter(PlatformPrefix + "*");
            if (exportMetrics)
            {
                metrics.AddOtlpExporter((otlp, reader) =>
                {
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = metricsInterval;
                    UseSignalEndpoint(otlp, builder.Configuration, "METRICS", exportOtlp);
                });
            }
            return metrics.Build();
        });
        builder.Services.AddHostedService<TelemetryProvidersActivator>();
        return builder;
    }

    /// <summary>
    /// Points one signal's exporter at <c>OTEL_EXPORTER_OTLP_{signal}_ENDPOINT</c> (a full URL, …/v1/traces, used as
    /// given) with its <c>_PROTOCOL</c>, unless the general endpoint already sends every signal somewhere.
    /// </summary>
    private static void UseSignalEndpoint(OtlpExporterOptions otlp, IConfiguration configuration, string signal, bool generalEndpoint)
    {
        var endpoint = configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"];
        if (generalEndpoint || string.IsNullOrWhiteSpace(endpoint)) return;
        otlp.Endpoint = new Uri(endpoint);
        otlp.Protocol = configuration[$"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"] == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
    }

    /// <summary>Resolves the providers at start so listening begins before the first request, not on first use.</summary>
    private sealed class TelemetryProvidersActivator(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(tracer);
            GC.KeepAlive(meter);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
