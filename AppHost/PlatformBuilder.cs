using System.Globalization;
using System.Security.Cryptography;

namespace AppHost;

/// <summary>The Aspire builder as the run command wants it, and the way every service of ours is added to it.</summary>
internal static class PlatformBuilder
{
    /// <summary>
    /// The dashboard on 127.0.0.1 with a browser token (the secure default), OTLP/gRPC on a fixed port, and its
    /// telemetry HTTP API behind a key kept in <c>{data}/dashboard-api-key</c>. Plain HTTP: machines here have no
    /// trusted developer certificate, and nothing listens beyond loopback.
    /// </summary>
    public static IDistributedApplicationBuilder Create(AppHostOptions options)
    {
        Directory.CreateDirectory(options.DataRoot);
        // PostgreSQL and RabbitMQ run as their own users and must reach their folders inside; the keys are 0600 each.
        File.SetUnixFileMode(options.DataRoot, (UnixFileMode)0b111_101_101);
        DashboardApiKey = LoadOrCreateKey(options.DataPath("dashboard-api-key"));
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{options.DashboardPort}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{options.DashboardOtlpPort}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{Servers.FreePort.Next()}",
            ["ASPIRE_DASHBOARD_API_ENABLED"] = "true",
            ["ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN"] = BrowserToken,
            // Aspire's own messages only; the resources' output is echoed (unless --quiet) with their names.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Aspire.Hosting.DistributedApplication"] = "Information",
            ["Logging:LogLevel:AppHost.Resources"] = options.Quiet ? "Warning" : "Information",
            // A server's probe fails until it is up: the dashboard shows health, the console need not.
            ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "None",
            // A server that cannot start cancels the host's start: ServerFailureWatcher has said why, once.
            ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "None",
        };
        return DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            // Our switches are ours: Aspire sees only the settings above.
            Args = [.. settings.Select(s => $"--{s.Key}={s.Value}")],
            AllowUnsecuredTransport = true,
            DisableDashboard = options.DashboardPort == 0,
            DashboardApplicationName = "Platform",
            EnableResourceLogging = !options.Quiet,
        });
    }

    public static string BrowserToken { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string DashboardApiKey { get; private set; } = "";

    /// <summary>
    /// A service of ours: REST (<c>http</c>) and gRPC (<c>grpc</c>, h2c) endpoints, told to Kestrel by name as
    /// docs/conventions.md says, each replica on its own ports; healthy when its /health is.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(
        this IDistributedApplicationBuilder builder, string name, AppHostOptions options, int? httpPort = null, int? grpcPort = null)
        where TProject : IProjectMetadata, new()
    {
        // A fixed port is the front door (the gateway's): the service listens on it itself. DCP's proxy in front would
        // add a hop to every scoring request, and a single instance has nothing to balance.
        var service = builder.AddProject<TProject>(name, launchProfileName: null)
            .WithHttpEndpoint(port: httpPort is > 0 ? httpPort : null, name: "http", isProxied: httpPort is not > 0)
            .WithHttpEndpoint(port: grpcPort is > 0 ? grpcPort : null, name: "grpc", isProxied: grpcPort is not > 0)
            .WithHttpHealthCheck("/health", endpointName: "http");
        var http = service.GetEndpoint("http");
        var grpc = service.GetEndpoint("grpc");
        return service.WithEnvironment(context =>
        {
            var env = context.EnvironmentVariables;
            // TargetPort: the replica's own port behind DCP's proxy, which inference nodes report to Compute.
            env.Remove("ASPNETCORE_URLS");
            env["Kestrel__Endpoints__http__Url"] = ReferenceExpression.Create($"http://127.0.0.1:{http.Property(EndpointProperty.TargetPort)}");
            env["Kestrel__Endpoints__grpc__Url"] = ReferenceExpression.Create($"http://127.0.0.1:{grpc.Property(EndpointProperty.TargetPort)}");
            env["Kestrel__Endpoints__grpc__Protocols"] = "Http2";
            env["DataRoot"] = options.DataRoot;
            // The platform credential every call between services carries (and Registry, Compute, Deploy and the nodes
            // demand): created on first start by whichever service reads it first, the same file for all.
            env["Platform__InternalKeyFile"] = options.DataPath("internal-key");
            // One line per message reads well in the dashboard's console logs and on our console.
            env["Logging__Console__FormatterName"] = "simple";
            env["Logging__Console__FormatterOptions__SingleLine"] = "true";
            env["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
            env["OTEL_TRACES_SAMPLER"] = options.TraceSampling > 0 ? "parentbased_traceidratio" : "always_off";
            env["OTEL_TRACES_SAMPLER_ARG"] = options.TraceSampling.ToString(CultureInfo.InvariantCulture);
            if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
            {
                // The user's collector instead of the dashboard (it does not know the dashboard's key).
                env["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.OtlpEndpoint;
                env.Remove("OTEL_EXPORTER_OTLP_HEADERS");
                env.Remove("OTEL_EXPORTER_OTLP_PROTOCOL");
            }
        });
    }

    private static string LoadOrCreateKey(string file)
    {
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing) return existing;
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(file, key);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
