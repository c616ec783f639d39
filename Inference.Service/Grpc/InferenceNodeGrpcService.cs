using Contracts.Node.V1;
using Grpc.Core;
using Inference.Service.Models;

namespace Inference.Service.Grpc;

/// <summary>node.v1.InferenceNode: how Deploy loads and unloads models on this node.</summary>
public sealed class InferenceNodeGrpcService(NodeControl control) : InferenceNode.InferenceNodeBase
{
    public override async Task<LoadModelResponse> LoadModel(LoadModelRequest request, ServerCallContext context)
    {
        try
        {
            return new LoadModelResponse { Model = await control.LoadAsync(request, context.CancellationToken) };
        }
        catch (Exception e)
        {
            throw GrpcErrors.FromLoad(request.ModelName, e);
        }
    }

    public override async Task<UnloadModelResponse> UnloadModel(UnloadModelRequest request, ServerCallContext context) =>
        await control.UnloadAsync(request.ModelName)
            ? new UnloadModelResponse { Unloaded = true }
            : throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.ModelName}' is not loaded on this node."));

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) => Task.FromResult(control.List());

    public override Task<NodeStatus> GetNodeStatus(GetNodeStatusRequest request, ServerCallContext context) => Task.FromResult(control.Status());
}
