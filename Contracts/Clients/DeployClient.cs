using Contracts.Deploy.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Clients;

/// <summary>
/// Typed client of deploy.v1.Deploy over the generated one. Register with
/// <c>services.AddServiceGrpcClient&lt;DeployClient&gt;("deploy")</c> (ServiceDefaults.Grpc).
/// Fetch the table at start and whenever a RoutingChanged event carries a version newer than the one held.
/// </summary>
public sealed class DeployClient
{
    private readonly Deploy.V1.Deploy.DeployClient _client;

    [ActivatorUtilitiesConstructor]
    public DeployClient(CallInvoker invoker) => _client = new(invoker);

    public DeployClient(ChannelBase channel) : this(channel.CreateCallInvoker()) { }

    public Task<RoutingTable> GetRoutingTableAsync(CancellationToken ct = default) =>
        _client.GetRoutingTableAsync(new GetRoutingTableRequest(), Options(ct)).ResponseAsync;

    /// <summary>NOT_FOUND for an unknown endpoint, INVALID_ARGUMENT for a malformed name.</summary>
    public Task<EndpointRoute> GetEndpointAsync(string name, CancellationToken ct = default) =>
        _client.GetEndpointAsync(new GetEndpointRequest { Name = name }, Options(ct)).ResponseAsync;

    private static CallOptions Options(CancellationToken ct) => new(deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
}
