using System.Security.Cryptography;
using Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Clients;

/// <summary>
/// Typed client of registry.v1.Registry over the generated one. Register with
/// <c>services.AddServiceGrpcClient&lt;RegistryClient&gt;("registry")</c> (ServiceDefaults.Grpc); failures arrive as
/// <see cref="RpcException"/> (INVALID_ARGUMENT naming the field, NOT_FOUND, DATA_LOSS for a corrupt stored file).
/// </summary>
public sealed class RegistryClient
{
    private readonly Registry.V1.Registry.RegistryClient _client;

    [ActivatorUtilitiesConstructor]
    public RegistryClient(CallInvoker invoker) => _client = new(invoker);

    public RegistryClient(ChannelBase channel) : this(channel.CreateCallInvoker()) { }

    /// <summary><paramref name="version"/> is a number or "latest".</summary>
    public Task<ModelVersion> ResolveModelAsync(string name, string version, CancellationToken ct = default) =>
        _client.ResolveModelAsync(
            new ResolveModelRequest { Name = name, Version = version }, Options(ct)).ResponseAsync;

    public Task<ListModelFilesResponse> ListModelFilesAsync(string name, string version, CancellationToken ct = default) =>
        _client.ListModelFilesAsync(
            new ListModelFilesRequest { Name = name, Version = version }, Options(ct)).ResponseAsync;

    /// <summary>Pins a version for <paramref name="user"/> (e.g. "endpoint/deployment") so it cannot be deleted; idempotent.</summary>
    public Task<ModelVersion> AcquireModelUseAsync(string name, string version, string user, CancellationToken ct = default) =>
        _client.AcquireModelUseAsync(
            new AcquireModelUseRequest { Name = name, Version = version, User = user }, Options(ct)).ResponseAsync;

    /// <summary>Unpins one version, or every version <paramref name="user"/> holds when <paramref name="name"/> is empty; idempotent.</summary>
    public Task<ReleaseModelUseResponse> ReleaseModelUseAsync(string user, string name = "", string version = "", CancellationToken ct = default) =>
        _client.ReleaseModelUseAsync(
            new ReleaseModelUseRequest { Name = name, Version = version, User = user }, Options(ct)).ResponseAsync;

    /// <summary>An environment version and the state of its build; <paramref name="version"/> is a number or "latest".</summary>
    public Task<EnvironmentVersion> ResolveEnvironmentAsync(string name, string version, CancellationToken ct = default) =>
        _client.ResolveEnvironmentAsync(
            new ResolveEnvironmentRequest { Name = name, Version = version }, Options(ct)).ResponseAsync;

    /// <summary>The raw chunks of one file (see FileChunk); prefer <see cref="DownloadFileAsync"/>.</summary>
    public IAsyncEnumerable<FileChunk> DownloadFileChunks(string name, string version, string path, CancellationToken ct = default) =>
        ReadAll(_client.DownloadFile(new DownloadFileRequest { Name = name, Version = version, Path = path }, Options(ct, seconds: 3600)), ct);

    /// <summary>Writes one file to <paramref name="destination"/>, checking size and sha256; returns the bytes written.</summary>
    public async Task<long> DownloadFileAsync(string name, string version, string path, Stream destination, CancellationToken ct = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        FileChunk? last = null;
        long written = 0;
        await foreach (var chunk in DownloadFileChunks(name, version, path, ct))
        {
            hash.AppendData(chunk.Data.Span);
            await destination.WriteAsync(chunk.Data.Memory, ct);
            written += chunk.Data.Length;
            last = chunk;
        }
        Verify(path, last, written, hash);
        return written;
    }

    /// <summary>
    /// Downloads every file of a version under <paramref name="directory"/> (relative paths kept), each checked against
    /// its sha256 and moved into place only when complete. Returns the version's metadata.
    /// </summary>
    public async Task<ModelVersion> DownloadModelAsync(string name, string version, string directory, CancellationToken ct = default)
    {
        // Pin the number first, so "latest" cannot move between the metadata and the bytes.
        var resolved = await ResolveModelAsync(name, version, ct);
        var root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        using var call = _client.DownloadModel(
            new DownloadModelRequest { Name = name, Version = resolved.Version.ToString() }, Options(ct, seconds: 3600));
        var stream = call.ResponseStream.ReadAllAsync(ct);

        FileStream? file = null;
        IncrementalHash? hash = null;
        string? currentPath = null, tempPath = null;
        long written = 0;
        try
        {
            await foreach (var chunk in stream.WithCancellation(ct))
            {
                if (chunk.Path != currentPath)
                {
                    if (currentPath is not null) throw new InvalidDataException($"The stream ended '{currentPath}' without its last chunk.");
                    var target = Path.GetFullPath(Path.Combine(root, chunk.Path));
                    if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                        throw new InvalidDataException($"The file path '{chunk.Path}' leaves the target folder.");
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    currentPath = chunk.Path;
                    tempPath = target + ".part";
                    file = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None);
                    hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    written = 0;
                }
                hash!.AppendData(chunk.Data.Span);
                await file!.WriteAsync(chunk.Data.Memory, ct);
                written += chunk.Data.Length;
                if (!chunk.Last) continue;

                Verify(chunk.Path, chunk, written, hash);
                await file.DisposeAsync();
                file = null;
                File.Move(tempPath!, Path.Combine(root, chunk.Path), overwrite: true);
                hash.Dispose();
                hash = null;
                currentPath = null;
            }
            if (currentPath is not null) throw new InvalidDataException($"The stream ended inside '{currentPath}'.");
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
                File.Delete(tempPath!);
            }
            hash?.Dispose();
        }
        return resolved;
    }

    private static void Verify(string path, FileChunk? last, long written, IncrementalHash hash)
    {
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (last is null || !last.Last) throw new InvalidDataException($"The download of '{path}' ended early.");
        if (written != last.Size || actual != last.Sha256)
            throw new InvalidDataException($"The download of '{path}' does not match: {written} bytes with sha256 {actual}, expected {last.Size} bytes with {last.Sha256}.");
    }

    private static async IAsyncEnumerable<FileChunk> ReadAll(AsyncServerStreamingCall<FileChunk> call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using (call)
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct)) yield return chunk;
        }
    }

    private static CallOptions Options(CancellationToken ct, int seconds = 30) => new(deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: ct);
}
