using Contracts.Compute.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Clients;

/// <summary>
/// Typed client of compute.v1.Compute over the generated one. Register with
/// <c>services.AddServiceGrpcClient&lt;ComputeClient&gt;("compute")</c> (ServiceDefaults.Grpc); failures arrive as
/// <see cref="RpcException"/> (NOT_FOUND, RESOURCE_EXHAUSTED with what is short, …).
/// </summary>
public sealed class ComputeClient
{
    private readonly Compute.V1.Compute.ComputeClient _client;

    [ActivatorUtilitiesConstructor]
    public ComputeClient(CallInvoker invoker) => _client = new(invoker);

    public ComputeClient(ChannelBase channel) : this(channel.CreateCallInvoker()) { }

    public Task<RegisterNodeResponse> RegisterNodeAsync(RegisterNodeRequest request, CancellationToken ct = default) =>
        _client.RegisterNodeAsync(request, Options(ct)).ResponseAsync;

    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CancellationToken ct = default) =>
        _client.HeartbeatAsync(request, Options(ct)).ResponseAsync;

    public Task<ComputeTarget> GetComputeAsync(string name, CancellationToken ct = default) =>
        _client.GetComputeAsync(new GetComputeRequest { Name = name }, Options(ct)).ResponseAsync;

    public Task<ListComputesResponse> ListComputesAsync(CancellationToken ct = default) =>
        _client.ListComputesAsync(new ListComputesRequest(), Options(ct)).ResponseAsync;

    /// <summary>Idempotent per reservation id, so a retried call cannot reserve twice.</summary>
    public Task<ReserveResponse> ReserveAsync(ReserveRequest request, CancellationToken ct = default) =>
        _client.ReserveAsync(request, Options(ct)).ResponseAsync;

    public Task<ReleaseResponse> ReleaseAsync(string reservationId, CancellationToken ct = default) =>
        _client.ReleaseAsync(new ReleaseRequest { ReservationId = reservationId }, Options(ct)).ResponseAsync;

    /// <summary>A kubernetes compute's API server, namespace and bearer token. The token is secret: keep it out of logs.</summary>
    public Task<KubernetesCredentials> GetKubernetesCredentialsAsync(string name, CancellationToken ct = default) =>
        _client.GetKubernetesCredentialsAsync(new GetComputeRequest { Name = name }, Options(ct)).ResponseAsync;

    private static CallOptions Options(CancellationToken ct) => new(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
}
