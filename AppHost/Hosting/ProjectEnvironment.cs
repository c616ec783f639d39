namespace AppHost.Hosting;

/// <summary>
/// The environment a project instance starts with: Aspire's conventions (docs/conventions.md) for its own endpoints,
/// its connection strings, the addresses of the services it references, and telemetry.
/// </summary>
internal static class ProjectEnvironment
{
    public static Dictionary<string, string> For(ResourceInstance instance, IReadOnlyList<ResourceInstance> all, AppHostOptions options)
    {
        var project = (ProjectResource)instance.Resource;
        var env = new Dictionary<string, string>
        {
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance.Name}",
            ["Kestrel__Endpoints__http__Url"] = Origin(instance.HttpAddress!),
            ["Kestrel__Endpoints__grpc__Url"] = Origin(instance.GrpcAddress!),
            ["Kestrel__Endpoints__grpc__Protocols"] = "Http2",
            ["DataRoot"] = options.DataRoot,
            // One line per message reads well with our "[name] " prefix, in the log files and on the dashboard.
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled",
        };
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)) env["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.OtlpEndpoint;
        else if (options.DashboardPort > 0)
        {
            // No collector of the user's: traces and metrics go to our dashboard (OTLP/HTTP), as Aspire's AppHost sends
            // them to its own.
            var dashboard = $"http://127.0.0.1:{options.DashboardPort}";
            env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = dashboard + "/v1/metrics";
            env["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"] = "http/protobuf";
            env["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
            if (options.TraceSampling > 0)
            {
                env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = dashboard + "/v1/traces";
                env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf";
                env["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            }
        }
        env["OTEL_TRACES_SAMPLER"] = options.TraceSampling > 0 ? "parentbased_traceidratio" : "always_off";
        env["OTEL_TRACES_SAMPLER_ARG"] = options.TraceSampling.ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var reference in project.References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString withConnection:
                    env[$"ConnectionStrings__{withConnection.Name}"] = withConnection.GetConnectionString();
                    break;
                case ProjectResource other:
                    var index = 0;
                    foreach (var target in all.Where(i => i.Resource == other))
                    {
                        env[$"services__{other.Name}__http__{index}"] = Origin(target.HttpAddress!);
                        env[$"services__{other.Name}__grpc__{index}"] = Origin(target.GrpcAddress!);
                        index++;
                    }
                    break;
            }
        }

        foreach (var (name, value) in project.Environment) env[name] = value(instance);
        return env;
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
