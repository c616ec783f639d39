using Contracts.Registry.V1;
using Grpc.Core;

namespace Gateway.Service.Grpc.ControlPlane;

/// <summary>registry.v1.Registry on the gateway's gRPC port, for holders of the admin key.</summary>
public sealed class RegistryGrpcForwarding(Registry.RegistryClient registry, ControlPlaneGrpcForwarder forward) : Registry.RegistryBase
{
    public override Task<ModelVersion> ResolveModel(ResolveModelRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => registry.ResolveModelAsync(request, o));

    public override Task<ListModelFilesResponse> ListModelFiles(ListModelFilesRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => registry.ListModelFilesAsync(request, o));

    public override Task DownloadFile(DownloadFileRequest request, IServerStreamWriter<FileChunk> responseStream, ServerCallContext context) =>
        forward.ServerStreamingAsync(context, o => registry.DownloadFile(request, o), responseStream);

    public override Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<FileChunk> responseStream, ServerCallContext context) =>
        forward.ServerStreamingAsync(context, o => registry.DownloadModel(request, o), responseStream);

    public override Task<ModelVersion> AcquireModelUse(AcquireModelUseRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => registry.AcquireModelUseAsync(request, o));

    public override Task<ReleaseModelUseResponse> ReleaseModelUse(ReleaseModelUseRequest request, ServerCallContext context) =>
        forward.UnaryAsync(context, o => registry.ReleaseModelUseAsync(request, o));
}
