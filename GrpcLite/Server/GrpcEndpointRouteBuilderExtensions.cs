using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using GrpcLite.Health;
using GrpcLite.Reflection;
using GrpcLite.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcLite;

/// <summary>Maps gRPC services onto routes <c>/{package.Service}/{Method}</c> (POST, HTTP/2).</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every RPC of <paramref name="descriptor"/> to the public method of
    /// <typeparamref name="TService"/> with the same name and a matching shape. RPCs without one
    /// answer UNIMPLEMENTED. The service instance comes from DI per call.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<IOptions<GrpcLiteOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("GrpcLite.Server");
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call services.AddGrpcLite() before mapping gRPC services.");
        var activator = new ServiceActivator<TService>();

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in descriptor.Methods)
        {
            var handler = ServiceMethodBinder.Bind(method, options, logger, activator);
            builders.Add(endpoints
                .MapPost(handler.FullMethod, handler.HandleCallAsync)
                .WithDisplayName($"gRPC {handler.FullMethod}")
                .ExcludeFromDescription());
        }
        registry.Add(descriptor);
        builders.Add(MapUnimplementedRoute(endpoints, registry, options, logger));
        return new CompositeConventionBuilder(builders);
    }

    /// <summary>Maps grpc.health.v1.Health, answering from the host's health checks.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<HealthService>(Health.V1.HealthReflection.Descriptor.Services[0]);

    /// <summary>Maps grpc.reflection.v1alpha.ServerReflection, describing every mapped service.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<ReflectionService>(Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);

    /// <summary>
    /// Unknown services and methods: a gRPC client gets UNIMPLEMENTED (trailers-only), anything
    /// else a plain 404. Literal routes of mapped methods always win over this pattern.
    /// </summary>
    private static IEndpointConventionBuilder MapUnimplementedRoute(IEndpointRouteBuilder endpoints, GrpcServiceRegistry registry, GrpcLiteOptions options, ILogger logger)
    {
        if (registry.UnimplementedRouteMapped)
        {
            return new CompositeConventionBuilder([]);
        }
        registry.UnimplementedRouteMapped = true;
        return endpoints.MapPost("/{service}/{method}", (HttpContext httpContext, string service, string method) =>
        {
            if (!Protocol.GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType))
            {
                httpContext.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            var known = registry.Services.Any(s => s.FullName == service);
            var detail = known ? $"Method {method} is unimplemented." : $"Service {service} is unimplemented.";
            return new UnimplementedCallHandler(service, method, detail, options, logger).HandleCallAsync(httpContext);
        })
        .WithDisplayName("gRPC unimplemented")
        .ExcludeFromDescription();
    }

    private sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
