using Contracts.Clients;
using ServiceDefaults.Grpc;

namespace Gateway.Service.Grpc;

public static class GatewayGrpcExtensions
{
    public static IHostApplicationBuilder AddGatewayGrpc(this IHostApplicationBuilder builder)
    {
        // The transport admits messages up to the node's limit; each endpoint's own maxBodyBytes is then checked by
        // ModelInfer, so a too-large request gets RESOURCE_EXHAUSTED naming the endpoint's limit, as on REST.
        builder.AddPlatformGrpc(options => options.MaxReceiveMessageSize = GrpcChannels.MaxMessageBytes);
        return builder;
    }

    /// <summary>KServe v2 gRPC, health and reflection; clients reach them on the Kestrel endpoint named <c>grpc</c> (h2c).</summary>
    public static WebApplication MapGatewayGrpc(this WebApplication app)
    {
        app.MapGrpcService<GatewayInferenceGrpcService>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
