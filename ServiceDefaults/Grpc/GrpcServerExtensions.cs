using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<global::Grpc.AspNetCore.HealthChecks.GrpcHealthChecksOptions>, GrpcHealthServiceNames>();
        return grpc;
    }

    /// <summary>
    /// Health and reflection beside the services already mapped. Health stays anonymous even where every other call
    /// needs the platform credential: probes carry none, and it reveals only up or down.
    /// </summary>
    public static IEndpointRouteBuilder MapPlatformGrpcDefaults(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcHealthChecksService().AllowAnonymous();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
