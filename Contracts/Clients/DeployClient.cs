using Contracts.Deploy.V1;
using GrpcLite;

namespace Contracts.Clients;

/// <summary>
/// Typed client of deploy.v1.Deploy. Register with <c>services.AddGrpcClient&lt;DeployClient&gt;("deploy")</c>.
/// Fetch the table at start and whenever a RoutingChanged event carries a version newer than the one held.
/// </summary>
public sealed class DeployClient(GrpcChannel channel)
{
    private const string Service = "/deploy.v1.Deploy/";

    public Task<RoutingTable> GetRoutingTableAsync(CancellationToken ct = default) =>
        channel.UnaryAsync<GetRoutingTableRequest, RoutingTable>(Service + "GetRoutingTable", new GetRoutingTableRequest(), Options(ct));

    /// <summary>NOT_FOUND for an unknown endpoint, INVALID_ARGUMENT for a malformed name.</summary>
    public Task<EndpointRoute> GetEndpointAsync(string name, CancellationToken ct = default) =>
        channel.UnaryAsync<GetEndpointRequest, EndpointRoute>(Service + "GetEndpoint", new GetEndpointRequest { Name = name }, Options(ct));

    private static CallOptions Options(CancellationToken ct) =>
        new(Deadline: DateTime.UtcNow.AddSeconds(15), CancellationToken: ct, Idempotent: true);
}
