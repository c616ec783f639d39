namespace Gateway.Service.Routing;

public static class DeployRoutingSourceExtensions
{
    // TEMPORARY until GrpcLite's client lands.
    public static IHostApplicationBuilder AddDeployRoutingSource(this IHostApplicationBuilder builder) => builder;
}
