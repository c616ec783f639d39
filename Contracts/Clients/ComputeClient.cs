using Contracts.Compute.V1;
using GrpcLite;

namespace Contracts.Clients;

/// <summary>
/// Typed client of compute.v1.Compute. Register with <c>services.AddGrpcClient&lt;ComputeClient&gt;("compute")</c>;
/// failures arrive as <see cref="RpcException"/> (NOT_FOUND, RESOURCE_EXHAUSTED with what is short, …).
/// </summary>
public sealed class ComputeClient(GrpcChannel channel)
{
    private const string Service = "/compute.v1.Compute/";

    public Task<RegisterNodeResponse> RegisterNodeAsync(RegisterNodeRequest request, CancellationToken ct = default) =>
        channel.UnaryAsync<RegisterNodeRequest, RegisterNodeResponse>(Service + "RegisterNode", request, Options(ct, idempotent: true));

    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CancellationToken ct = default) =>
        channel.UnaryAsync<HeartbeatRequest, HeartbeatResponse>(Service + "Heartbeat", request, Options(ct, idempotent: true));

    public Task<ComputeTarget> GetComputeAsync(string name, CancellationToken ct = default) =>
        channel.UnaryAsync<GetComputeRequest, ComputeTarget>(Service + "GetCompute", new GetComputeRequest { Name = name }, Options(ct, idempotent: true));

    public Task<ListComputesResponse> ListComputesAsync(CancellationToken ct = default) =>
        channel.UnaryAsync<ListComputesRequest, ListComputesResponse>(Service + "ListComputes", new ListComputesRequest(), Options(ct, idempotent: true));

    /// <summary>Idempotent per reservation id, so a retried call cannot reserve twice.</summary>
    public Task<ReserveResponse> ReserveAsync(ReserveRequest request, CancellationToken ct = default) =>
        channel.UnaryAsync<ReserveRequest, ReserveResponse>(Service + "Reserve", request, Options(ct, idempotent: true));

    public Task<ReleaseResponse> ReleaseAsync(string reservationId, CancellationToken ct = default) =>
        channel.UnaryAsync<ReleaseRequest, ReleaseResponse>(Service + "Release", new ReleaseRequest { ReservationId = reservationId }, Options(ct, idempotent: true));

    /// <summary>A kubernetes compute's API server, namespace and bearer token. The token is secret: keep it out of logs.</summary>
    public Task<KubernetesCredentials> GetKubernetesCredentialsAsync(string name, CancellationToken ct = default) =>
        channel.UnaryAsync<GetComputeRequest, KubernetesCredentials>(Service + "GetKubernetesCredentials", new GetComputeRequest { Name = name }, Options(ct, idempotent: true));

    private static CallOptions Options(CancellationToken ct, bool idempotent) =>
        new(Deadline: DateTime.UtcNow.AddSeconds(30), CancellationToken: ct, Idempotent: idempotent);
}
