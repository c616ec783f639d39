using ServiceDefaults.Grpc;

namespace Compute.Service.Grpc;

public static class ComputeGrpcExtensions
{
    public static IHostApplicationBuilder AddComputeGrpc(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformGrpc();
        return builder;
    }

    /// <summary>compute.v1.Compute, plus health and reflection so grpcurl and probes work.</summary>
    public static WebApplication MapComputeGrpc(this WebApplication app)
    {
        app.MapGrpcService<ComputeGrpcService>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
