using Contracts.Node.V1;
using GrpcLite;

namespace Contracts.Clients;

/// <summary>
/// Typed client of an inference node's control service (node.v1.InferenceNode). Nodes are many, so callers usually make one
/// per node address: <c>new InferenceNodeClient(GrpcChannel.ForAddress(nodeGrpcAddress), credential.AuthorizationHeader)</c>.
/// Nodes answer only calls carrying the platform credential: every call sends <paramref name="authorization"/> as its
/// <c>authorization</c> metadata.
/// </summary>
public sealed class InferenceNodeClient(GrpcChannel channel, string authorization)
{
    private const string Service = "/node.v1.InferenceNode/";

    public GrpcChannel Channel { get; } = channel;

    /// <summary>Loads or replaces a model. Throws RpcException INVALID_ARGUMENT with ONNX Runtime's message when the model cannot load, NOT_FOUND when no file is at the location.</summary>
    public Task<LoadModelResponse> LoadModelAsync(LoadModelRequest request, CallOptions options = default) =>
        Channel.UnaryAsync<LoadModelRequest, LoadModelResponse>(Service + "LoadModel", request, Authorized(options));

    public Task<UnloadModelResponse> UnloadModelAsync(string modelName, CallOptions options = default) =>
        Channel.UnaryAsync<UnloadModelRequest, UnloadModelResponse>(Service + "UnloadModel", new UnloadModelRequest { ModelName = modelName }, Authorized(options));

    public Task<ListModelsResponse> ListModelsAsync(CallOptions options = default) =>
        Channel.UnaryAsync<ListModelsRequest, ListModelsResponse>(Service + "ListModels", new ListModelsRequest(), Authorized(options) with { Idempotent = true });

    public Task<NodeStatus> GetNodeStatusAsync(CallOptions options = default) =>
        Channel.UnaryAsync<GetNodeStatusRequest, NodeStatus>(Service + "GetNodeStatus", new GetNodeStatusRequest(), Authorized(options) with { Idempotent = true });

    private CallOptions Authorized(CallOptions options)
    {
        var headers = new Metadata();
        if (options.Headers is { } given) foreach (var entry in given) headers.Add(entry);
        headers.Add("authorization", authorization);
        return options with { Headers = headers };
    }
}
