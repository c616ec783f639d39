using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Grpc;

/// <summary>
/// grpc-dotnet as every service of the platform runs it: Grpc.AspNetCore with our telemetry and error interceptors,
/// server reflection, and the host's health checks answered as <c>grpc.health.v1.Health</c> for <c>""</c> and for
/// every mapped service name. The services listen on the h2c Kestrel endpoint named <c>grpc</c>.
/// </summary>
public static class GrpcServerExtensions
{
    public static IGrpcServerBuilder AddPlatformGrpc(this IHostApplicationBuilder builder, Action<GrpcServiceOptions>? configure = null)
    {
        builder.Services.AddSingleton<GrpcServerMetrics>();
        var grpc = builder.Services.AddGrpc(options =>
        {
            // Outermost first: telemetry records the status the error interceptor chose.
            options.Interceptors.Add<GrpcTelemetryInterceptor>();
            options.Interceptors.Add<GrpcErrorInterceptor>();
            configure?.Invoke(options);
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddSingleton<GrpcHealthServiceNames>();
        builder.Services.AddSingleton<IConfigureOptions<GrpcHealthChecksOptions>>(services => services.GetRequiredService<GrpcHealthServiceNames>());
        // Watch answers from the last publication: publish at once on start, then often enough for probes.
        builder.Services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.Zero;
            options.Period = TimeSpan.FromSeconds(10);
        });
        return grpc;
    }

    /// <summary>
    /// Health and reflection beside the services mapped (call it after them: health names each of them). Health stays
    /// anonymous even where every other call needs the platform credential: probes carry none, and it reveals only up
    /// or down.
    /// </summary>
    public static IEndpointRouteBuilder MapPlatformGrpcDefaults(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<GrpcHealthServiceNames>().Routes = endpoints;
        endpoints.MapGrpcHealthChecksService().AllowAnonymous();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
