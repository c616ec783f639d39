using Contracts.Registry.V1;
using GrpcLite;

namespace Registry.Service.Grpc;

public static class RegistryGrpcExtensions
{
    public static IHostApplicationBuilder AddRegistryGrpc(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpcLite();
        builder.Services.AddScoped<RegistryGrpcService>();
        return builder;
    }

    /// <summary>registry.v1.Registry plus gRPC health and reflection (served on the h2c endpoint named <c>grpc</c>).</summary>
    public static WebApplication MapRegistryGrpc(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>(RegistryReflection.Descriptor.Services[0]);
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        return app;
    }
}
