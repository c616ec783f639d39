using Contracts.Inference;
using GrpcLite;

namespace Gateway.Service.Grpc;

public static class GatewayGrpcExtensions
{
    public static IHostApplicationBuilder AddGatewayGrpc(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpcLite();
        builder.Services.AddScoped<GatewayInferenceGrpcService>();
        return builder;
    }

    /// <summary>KServe v2 gRPC, health and reflection; clients reach them on the Kestrel endpoint named <c>grpc</c> (h2c).</summary>
    public static WebApplication MapGatewayGrpc(this WebApplication app)
    {
        app.MapGrpcService<GatewayInferenceGrpcService>(GrpcPredictV2Reflection.Descriptor.Services[0]);
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        return app;
    }
}
