using ServiceDefaults.Grpc;
using Contracts.Clients;

namespace Gateway.Service.Routing;

/// <summary>Fetches the whole routing table from Deploy over gRPC (<c>deploy.v1.Deploy/GetRoutingTable</c>, at <c>services:deploy:grpc:0</c>).</summary>
public sealed class DeployRoutingTableSource(DeployClient deploy) : IRoutingTableSource
{
    public async Task<RoutingSnapshot> FetchAsync(CancellationToken cancellationToken) =>
        RoutingTableMapper.ToSnapshot(await deploy.GetRoutingTableAsync(cancellationToken));
}

public static class DeployRoutingSourceExtensions
{
    public static IHostApplicationBuilder AddDeployRoutingSource(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceGrpcClient<DeployClient>("deploy");
        builder.Services.AddSingleton<IRoutingTableSource, DeployRoutingTableSource>();
        return builder;
    }
}
