using Contracts.Node.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Contracts.Clients;

/// <summary>
/// Typed client of an inference node's control service (node.v1.InferenceNode). Nodes are many, so callers make one per
/// node address over the process's shared channel: <c>new InferenceNodeClient(GrpcChannels.ForAddress(nodeGrpcAddress),
/// credential.AuthorizationHeader)</c>. Nodes answer only calls carrying the platform credential: every call sends
/// <paramref name="authorization"/> as its <c>authorization</c> metadata (added by an interceptor on the call invoker).
/// </summary>
public sealed class InferenceNodeClient(GrpcChannel channel, string authorization)
{
    private readonly InferenceNode.InferenceNodeClient _client = new(channel.Intercept(headers =>
    {
        headers.Add("authorization", authorization);
        return headers;
    }));

    public GrpcChannel Channel { get; } = channel;

    /// <summary>Loads or replaces a model. Throws RpcException INVALID_ARGUMENT with ONNX Runtime's message when the model cannot load, NOT_FOUND when no file is at the location.</summary>
    public Task<LoadModelResponse> LoadModelAsync(LoadModelRequest request, CallOptions options = default) =>
        _client.LoadModelAsync(request, options).ResponseAsync;

    public Task<UnloadModelResponse> UnloadModelAsync(string modelName, CallOptions options = default) =>
        _client.UnloadModelAsync(new UnloadModelRequest { ModelName = modelName }, options).ResponseAsync;

    public Task<ListModelsResponse> ListModelsAsync(CallOptions options = default) =>
        _client.ListModelsAsync(new ListModelsRequest(), options).ResponseAsync;

    public Task<NodeStatus> GetNodeStatusAsync(CallOptions options = default) =>
        _client.GetNodeStatusAsync(new GetNodeStatusRequest(), options).ResponseAsync;
}
