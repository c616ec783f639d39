using ServiceDefaults.Grpc;

namespace Registry.Service.Grpc;

public static class RegistryGrpcExtensions
{
    public static IHostApplicationBuilder AddRegistryGrpc(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformGrpc();
        return builder;
    }

    /// <summary>registry.v1.Registry plus gRPC health and reflection (served on the h2c endpoint named <c>grpc</c>).</summary>
    public static WebApplication MapRegistryGrpc(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
