using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Http;
using ServiceDefaults.Security;
using ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every service of the platform shares: telemetry, health, problem details, service discovery, HttpClient defaults.</summary>
public static class Extensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ClientFaultExceptionHandler>();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddSingleton<ServiceBaseAddresses>();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddPlatformResilience().AddServiceDiscovery());
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>/alive answers while the process runs; /health answers Healthy only when every dependency (database, bus) is reachable.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestSpanEnricher();
        if (app.Services.UsesPlatformAuthentication()) app.UsePlatformAuthentication();
        // Probes (the app host's, Kubernetes') carry no credential; they reveal only up or down.
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        return app;
    }
}
