namespace Gateway.Service.Routing;

/// <summary>Where the routing table comes from: Deploy.Service's gRPC <c>deploy.v1.Deploy</c> in production.</summary>
public interface IRoutingTableSource
{
    Task<RoutingSnapshot> FetchAsync(CancellationToken cancellationToken);
}
