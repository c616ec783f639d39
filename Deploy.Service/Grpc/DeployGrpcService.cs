using Contracts.Deploy.V1;
using Deploy.Service.Domain;
using Deploy.Service.Routing;
using Grpc.Core;

namespace Deploy.Service.Grpc;

/// <summary>deploy.v1.Deploy: the routing table for gateways.</summary>
public sealed class DeployGrpcService(RoutingTableReader reader) : Contracts.Deploy.V1.Deploy.DeployBase
{
    public override Task<RoutingTable> GetRoutingTable(GetRoutingTableRequest request, ServerCallContext context) =>
        reader.ReadAsync(null, context.CancellationToken);

    public override async Task<EndpointRoute> GetEndpoint(GetEndpointRequest request, ServerCallContext context)
    {
        if (!ResourceNames.IsValid(request.Name))
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"name: an endpoint name is {ResourceNames.Rule}."));
        var table = await reader.ReadAsync(request.Name, context.CancellationToken);
        return table.Endpoints.SingleOrDefault()
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No endpoint named '{request.Name}'."));
    }
}
