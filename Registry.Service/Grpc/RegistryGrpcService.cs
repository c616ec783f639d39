using Contracts.Registry.V1;
using Google.Protobuf;
using Grpc.Core;
using Registry.Service.Blobs;
using Registry.Service.Models;

namespace Registry.Service.Grpc;

/// <summary>registry.v1.Registry: how the other services resolve model versions, fetch their files and pin them.</summary>
public sealed class RegistryGrpcService(ModelCatalog catalog, Environments.EnvironmentCatalog environments, BlobStore blobs, ILogger<RegistryGrpcService> logger)
    : Contracts.Registry.V1.Registry.RegistryBase
{
    public override async Task<Contracts.Registry.V1.EnvironmentVersion> ResolveEnvironment(ResolveEnvironmentRequest request, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        var found = await environments.FindAsync(request.Name, selector, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, selector.IsLatest
                ? $"No environment named '{request.Name}' is registered."
                : $"Environment '{request.Name}' has no version {selector}."));
        var (version, build) = found;
        return new Contracts.Registry.V1.EnvironmentVersion
        {
            Name = version.Name, Version = version.Version, Id = version.Id, Hash = version.Hash, Python = version.Python,
            BuildState = build.State.ToString(), BuildError = build.Error ?? "", PythonPath = build.PythonPath ?? "", BuildReused = build.Reused,
        };
    }

    public override async Task<Contracts.Registry.V1.ModelVersion> ResolveModel(ResolveModelRequest request, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        var version = await FindAsync(request.Name, selector, context.CancellationToken);
        return ModelVersionMapper.ToProto(version, blobs);
    }

    public override async Task<ListModelFilesResponse> ListModelFiles(ListModelFilesRequest request, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        var version = await FindAsync(request.Name, selector, context.CancellationToken);
        var response = new ListModelFilesResponse();
        response.Files.AddRange(version.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => ModelVersionMapper.ToProto(f, blobs)));
        return response;
    }

    public override async Task DownloadFile(DownloadFileRequest request, IServerStreamWriter<FileChunk> responseStream, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        var version = await FindAsync(request.Name, selector, context.CancellationToken);
        var file = version.Files.FirstOrDefault(f => f.Path == request.Path)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Model {version.Id} has no file '{request.Path}'."));
        await StreamAsync(version, file, responseStream, context.CancellationToken);
    }

    public override async Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<FileChunk> responseStream, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        var version = await FindAsync(request.Name, selector, context.CancellationToken);
        foreach (var file in version.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
            await StreamAsync(version, file, responseStream, context.CancellationToken);
    }

    public override async Task<Contracts.Registry.V1.ModelVersion> AcquireModelUse(AcquireModelUseRequest request, ServerCallContext context)
    {
        var selector = Check(request.Name, request.Version);
        if (ModelRules.CheckUser(request.User) is { } userError) throw new RpcException(new Status(StatusCode.InvalidArgument, $"user: {userError}"));
        var version = await catalog.AcquireUseAsync(request.Name, selector, request.User, context.CancellationToken)
            ?? throw NotFound(request.Name, selector);
        logger.LogInformation("{User} now uses model {Model}", request.User, version.Id);
        return ModelVersionMapper.ToProto(version, blobs);
    }

    public override async Task<ReleaseModelUseResponse> ReleaseModelUse(ReleaseModelUseRequest request, ServerCallContext context)
    {
        if (ModelRules.CheckUser(request.User) is { } userError) throw new RpcException(new Status(StatusCode.InvalidArgument, $"user: {userError}"));
        var selector = VersionSelector.Latest;
        if (request.Name.Length > 0) selector = Check(request.Name, request.Version);
        var released = await catalog.ReleaseUseAsync(request.Name.Length > 0 ? request.Name : null, selector, request.User, context.CancellationToken);
        return new ReleaseModelUseResponse { Released = released };
    }

    private async Task StreamAsync(Models.ModelVersion version, Models.ModelFile file, IServerStreamWriter<FileChunk> stream, CancellationToken cancellationToken)
    {
        long offset = 0;
        try
        {
            await VerifiedBlobReader.CopyAsync(blobs, file.Sha256, file.Size, async (chunk, last, ct) =>
            {
                await stream.WriteAsync(new FileChunk
                {
                    Path = file.Path, Offset = offset, Data = ByteString.CopyFrom(chunk.Span), Size = file.Size, Sha256 = file.Sha256, Last = last,
                }, ct);
                offset += chunk.Length;
            }, cancellationToken);
        }
        catch (BlobCorruptException ex)
        {
            logger.LogError(ex, "File {Path} of {Model} is corrupt on disk", file.Path, version.Id);
            throw new RpcException(new Status(StatusCode.DataLoss, $"The stored copy of '{file.Path}' of {version.Id} failed its sha256 check."));
        }
    }

    private async Task<Models.ModelVersion> FindAsync(string name, VersionSelector selector, CancellationToken cancellationToken) =>
        await catalog.FindAsync(name, selector, cancellationToken) ?? throw NotFound(name, selector);

    private static VersionSelector Check(string name, string version)
    {
        if (ModelRules.CheckName(name) is { } nameError) throw new RpcException(new Status(StatusCode.InvalidArgument, $"name: {nameError}"));
        if (!VersionSelector.TryParse(version, out var selector, emptyIsLatest: true))
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"version: {VersionSelector.Rule}"));
        return selector;
    }

    private static RpcException NotFound(string name, VersionSelector selector) =>
        new(new Status(StatusCode.NotFound, selector.IsLatest ? $"No model named '{name}' is registered." : $"Model '{name}' has no version {selector}."));
}
