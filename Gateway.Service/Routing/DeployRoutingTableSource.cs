using GrpcLite;
using ServiceDefaults.Http;
using Proto = Contracts.Deploy.V1;

namespace Gateway.Service.Routing;

/// <summary>Fetches the whole routing table from Deploy over gRPC (<c>deploy.v1.Deploy/GetRoutingTable</c>, at <c>services:deploy:grpc:0</c>).</summary>
public sealed class DeployRoutingTableSource(ServiceAddresses addresses) : IRoutingTableSource
{
    public const string GetRoutingTableMethod = "/deploy.v1.Deploy/GetRoutingTable";

    public async Task<RoutingSnapshot> FetchAsync(CancellationToken cancellationToken)
    {
        var channel = GrpcChannel.ForAddress(addresses.Resolve("deploy", "grpc"));
        var table = await channel.UnaryAsync<Proto.GetRoutingTableRequest, Proto.RoutingTable>(
            GetRoutingTableMethod,
            new Proto.GetRoutingTableRequest(),
            new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(10), CancellationToken: cancellationToken, Idempotent: true));
        return RoutingTableMapper.ToSnapshot(table);
    }
}

public static class DeployRoutingSourceExtensions
{
    public static IHostApplicationBuilder AddDeployRoutingSource(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IRoutingTableSource, DeployRoutingTableSource>();
        return builder;
    }
}
