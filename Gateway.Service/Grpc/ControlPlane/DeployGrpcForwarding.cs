using Contracts.Deploy.V1;
using Grpc.Core;

namespace Gateway.Service.Grpc.ControlPlane;

/// <summary>deploy.v1.Deploy on the gateway's gRPC port, for holders of the admin key.</summary>
public sealed class DeployGrpcForwarding(Deploy.DeployClient deploy, ControlPlaneGrpcForwarder forward) : Deploy.DeployBase
{
    public override Task<RoutingTable> GetRoutingTable(GetRoutingTableRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => deploy.GetRoutingTableAsync(request, o));

    public override Task<EndpointRoute> GetEndpoint(GetEndpointRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => deploy.GetEndpointAsync(request, o));
}
