using Contracts.Compute.V1;
using GrpcLite;

namespace Compute.Service.Grpc;

public static class ComputeGrpcExtensions
{
    public static IServiceCollection AddComputeGrpc(this IServiceCollection services)
    {
        services.AddGrpcLite();
        services.AddScoped<ComputeGrpcService>();
        return services;
    }

    /// <summary>compute.v1.Compute, plus health and reflection so grpcurl and probes work.</summary>
    public static WebApplication MapComputeGrpc(this WebApplication app)
    {
        app.MapGrpcService<ComputeGrpcService>(ComputeReflection.Descriptor.Services[0]);
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        return app;
    }
}
