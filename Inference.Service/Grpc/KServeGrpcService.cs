using Contracts.Inference;
using Grpc.Core;
using Inference.Service.Apis;
using Inference.Service.Models;
using Inference.Service.Protocol;
using Inference.Service.Runtime;

namespace Inference.Service.Grpc;

/// <summary>The KServe v2 <c>inference.GRPCInferenceService</c> on the node's gRPC endpoint.</summary>
public sealed class KServeGrpcService(ModelRepository models, InferenceExecutor executor) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = OrtRuntime.IsLoaded });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        models.Find(request.Name) is { } model
            ? Task.FromResult(new ModelReadyResponse { Ready = model.IsReady })
            : throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.Name}' is not loaded on this node."));

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = "inference", Version = OrtRuntime.Version };
        response.Extensions.Add("binary_tensor_data");
        response.Extensions.Add("model_repository");
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        try
        {
            var model = models.GetReady(request.Name);
            var response = new ModelMetadataResponse { Name = model.Name, Platform = KServeRestApi.Platform };
            if (!string.IsNullOrEmpty(model.Version)) response.Versions.Add(model.Version);
            response.Inputs.AddRange(model.Inputs.Select(Describe));
            response.Outputs.AddRange(model.Outputs.Select(Describe));
            return Task.FromResult(response);
        }
        catch (Exception e)
        {
            throw GrpcErrors.From(e);
        }
    }

    private static ModelMetadataResponse.Types.TensorMetadata Describe(TensorInfo info)
    {
        var t = new ModelMetadataResponse.Types.TensorMetadata { Name = info.Name, Datatype = DataTypes.ToKServe(info.ElementType) ?? info.ElementType.ToString() };
        t.Shape.AddRange(info.Shape);
        return t;
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        try
        {
            var outputs = request.Outputs.Count > 0 ? request.Outputs.Select(o => o.Name).ToArray() : null;
            var (model, results) = await executor.InferAsync(request.ModelName, _ => KServeGrpcTensors.ReadInputs(request), null, context.CancellationToken);
            if (outputs is not null)
            {
                results = outputs.Select(name => results.FirstOrDefault(r => r.Name == name)
                    ?? throw InvalidInferenceRequestException.For(name, $"The model has no output named '{name}'; its outputs are: {string.Join(", ", model.Outputs.Select(o => o.Name))}.")).ToArray();
            }
            var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.Version, Id = request.Id };
            KServeGrpcTensors.WriteOutputs(response, results);
            return response;
        }
        catch (Exception e)
        {
            throw GrpcErrors.From(e);
        }
    }

    // The model repository extension: load again by name what this node was told to load before, or unload.
    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        try
        {
            var model = await models.LoadKnownAsync(request.ModelName, context.CancellationToken);
            return new RepositoryModelLoadResponse { ModelName = model.Name, IsLoaded = model.IsReady };
        }
        catch (Exception e)
        {
            throw GrpcErrors.FromLoad(request.ModelName, e);
        }
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context) =>
        await models.UnloadAsync(request.ModelName)
            ? new RepositoryModelUnloadResponse { ModelName = request.ModelName, IsUnloaded = true }
            : throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.ModelName}' is not loaded on this node."));
}
