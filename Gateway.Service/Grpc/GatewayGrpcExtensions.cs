using Contracts.Clients;
using Gateway.Service.Grpc.ControlPlane;
using ServiceDefaults.Grpc;

namespace Gateway.Service.Grpc;

public static class GatewayGrpcExtensions
{
    public static IHostApplicationBuilder AddGatewayGrpc(this IHostApplicationBuilder builder)
    {
        // The transport admits messages up to the node's limit; each endpoint's own maxBodyBytes is then checked by
        // ModelInfer, so a too-large request gets RESOURCE_EXHAUSTED naming the endpoint's limit, as on REST.
        builder.AddPlatformGrpc(options => options.MaxReceiveMessageSize = GrpcChannels.MaxMessageBytes);
        builder.Services.AddSingleton<ControlPlaneGrpcForwarder>();
        builder.Services.AddServiceGrpcClient<Contracts.Registry.V1.Registry.RegistryClient>("registry");
        builder.Services.AddServiceGrpcClient<Contracts.Compute.V1.Compute.ComputeClient>("compute");
        builder.Services.AddServiceGrpcClient<Contracts.Deploy.V1.Deploy.DeployClient>("deploy");
        return builder;
    }

    /// <summary>
    /// KServe v2 gRPC (endpoint keys and tokens), the control-plane services registry, compute and deploy (admin key),
    /// health and reflection; clients reach them on the Kestrel endpoint named <c>grpc</c> (h2c).
    /// </summary>
    public static WebApplication MapGatewayGrpc(this WebApplication app)
    {
        app.MapGrpcService<GatewayInferenceGrpcService>();
        app.MapGrpcService<RegistryGrpcForwarding>();
        app.MapGrpcService<ComputeGrpcForwarding>();
        app.MapGrpcService<DeployGrpcForwarding>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
