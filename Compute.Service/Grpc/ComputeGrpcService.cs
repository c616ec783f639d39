using Compute.Service.Application;
using Contracts.Compute.V1;
using Grpc.Core;
using Capacity = Compute.Service.Domain.Capacity;
using ProtoCapacity = Contracts.Compute.V1.Capacity;

namespace Compute.Service.Grpc;

/// <summary>compute.v1.Compute for inference nodes (RegisterNode, Heartbeat) and Deploy.Service (GetCompute, Reserve, Release, GetKubernetesCredentials).</summary>
public sealed class ComputeGrpcService(ComputeReader reader, NodeRegistry nodes, ReservationService reservations, KubernetesCredentialsReader credentials)
    : Contracts.Compute.V1.Compute.ComputeBase
{
    public override Task<RegisterNodeResponse> RegisterNode(RegisterNodeRequest request, ServerCallContext context) => Call(async () =>
    {
        var capacity = request.Capacity ?? new ProtoCapacity();
        var lease = await nodes.RegisterAsync(new RegisterNodeCommand(
            request.NodeName, request.HttpAddress, request.GrpcAddress,
            capacity.CpuCores, capacity.MemoryGb, capacity.Gpus, request.LoadedModels), context.CancellationToken);
        return new RegisterNodeResponse { HeartbeatIntervalSeconds = lease.HeartbeatIntervalSeconds, LeaseSeconds = lease.LeaseSeconds };
    });

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) => Call(async () =>
    {
        var inUse = request.InUse ?? new ProtoCapacity();
        var lease = await nodes.HeartbeatAsync(new HeartbeatCommand(
            request.NodeName, inUse.CpuCores, inUse.MemoryGb, inUse.Gpus, request.LoadedModels), context.CancellationToken);
        return new HeartbeatResponse { HeartbeatIntervalSeconds = lease.HeartbeatIntervalSeconds, LeaseSeconds = lease.LeaseSeconds };
    });

    public override Task<ComputeTarget> GetCompute(GetComputeRequest request, ServerCallContext context) => Call(async () =>
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            throw ComputeException.Invalid(new Dictionary<string, string[]> { ["name"] = ["is required."] });
        return ComputeMessages.ToMessage(await reader.GetAsync(request.Name, context.CancellationToken));
    });

    public override Task<ListComputesResponse> ListComputes(ListComputesRequest request, ServerCallContext context) => Call(async () =>
    {
        var response = new ListComputesResponse();
        response.Computes.AddRange((await reader.ListAsync(context.CancellationToken)).Select(ComputeMessages.ToMessage));
        return response;
    });

    public override Task<ReserveResponse> Reserve(ReserveRequest request, ServerCallContext context) => Call(async () =>
    {
        var result = await reservations.ReserveAsync(new ReserveCommand(
            request.ReservationId, request.Compute, request.Instances, request.CpuCores, request.MemoryGb, request.Gpus), context.CancellationToken);
        var response = new ReserveResponse { ReservationId = result.ReservationId, Compute = result.Compute, QuotaCores = (double)result.QuotaCores };
        response.Placements.AddRange(result.Placements.Select(p => new Placement { NodeName = p.NodeName, HttpAddress = p.HttpAddress, GrpcAddress = p.GrpcAddress }));
        return response;
    });

    public override Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context) => Call(async () =>
        new ReleaseResponse { Released = await reservations.ReleaseAsync(request.ReservationId, context.CancellationToken) });

    public override Task<KubernetesCredentials> GetKubernetesCredentials(GetComputeRequest request, ServerCallContext context) => Call(async () =>
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            throw ComputeException.Invalid(new Dictionary<string, string[]> { ["name"] = ["is required."] });
        var c = await credentials.GetAsync(request.Name, context.CancellationToken);
        return new KubernetesCredentials { ApiServer = c.ApiServer, Namespace = c.Namespace, Token = c.Token };
    });

    private static async Task<T> Call<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ComputeException ex)
        {
            throw new RpcException(new Status(ex.Kind switch
            {
                ComputeErrorKind.InvalidArgument => StatusCode.InvalidArgument,
                ComputeErrorKind.NotFound => StatusCode.NotFound,
                ComputeErrorKind.AlreadyExists => StatusCode.AlreadyExists,
                ComputeErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
                _ => StatusCode.FailedPrecondition,
            }, ex.Message));
        }
    }
}

internal static class ComputeMessages
{
    public static ComputeTarget ToMessage(ComputeView v)
    {
        var message = new ComputeTarget
        {
            Name = v.Name, Type = v.Type, Purpose = v.Purpose ?? "", VmSize = v.VmSize ?? "", AgentCount = v.AgentCount ?? 0,
            ProvisioningState = v.ProvisioningState, Error = v.Error ?? "",
            Capacity = ToMessage(v.Capacity), Free = ToMessage(v.Free),
            Kubernetes = v.ApiServer is null ? null : new KubernetesConnection { ApiServer = v.ApiServer, Namespace = v.Namespace ?? "" },
        };
        message.Nodes.AddRange(v.Nodes.Select(n =>
        {
            var node = new Node
            {
                Name = n.Name, HttpAddress = n.HttpAddress, GrpcAddress = n.GrpcAddress, State = n.State,
                Capacity = ToMessage(n.Capacity), Reserved = ToMessage(n.Reserved), Free = ToMessage(n.Free), InUse = ToMessage(n.InUse),
                LastHeartbeatUnixMs = n.LastHeartbeatAt.ToUnixTimeMilliseconds(),
            };
            node.LoadedModels.AddRange(n.LoadedModels);
            return node;
        }));
        return message;
    }

    private static ProtoCapacity ToMessage(Capacity c) => new() { CpuCores = (double)c.CpuCores, MemoryGb = (double)c.MemoryGb, Gpus = c.Gpus };
}
