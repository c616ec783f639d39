using Contracts.Compute.V1;
using Grpc.Core;

namespace Gateway.Service.Grpc.ControlPlane;

/// <summary>compute.v1.Compute on the gateway's gRPC port, for holders of the admin key.</summary>
public sealed class ComputeGrpcForwarding(Compute.ComputeClient compute, ControlPlaneGrpcForwarder forward) : Compute.ComputeBase
{
    public override Task<RegisterNodeResponse> RegisterNode(RegisterNodeRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.RegisterNodeAsync(request, o));

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.HeartbeatAsync(request, o));

    public override Task<ComputeTarget> GetCompute(GetComputeRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.GetComputeAsync(request, o));

    public override Task<ListComputesResponse> ListComputes(ListComputesRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.ListComputesAsync(request, o));

    public override Task<ReserveResponse> Reserve(ReserveRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.ReserveAsync(request, o));

    public override Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.ReleaseAsync(request, o));

    public override Task<KubernetesCredentials> GetKubernetesCredentials(GetComputeRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => compute.GetKubernetesCredentialsAsync(request, o));
}
