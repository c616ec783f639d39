using Contracts.Clients;
using Contracts.Registry.V1;
using Deploy.Service;
using Deploy.Service.Rollout;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Deploy.Tests;

/// <summary>The package cache on a real disk: miss then workspace hit, shared-cache hit, forced rebuild, hard links.</summary>
public sealed class PackageCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("deploy-packages-").FullName;
    // Never called: the model's blobs are on this disk, so nothing is downloaded.
    private static readonly RegistryClient UnusedRegistry = new(GrpcChannel.ForAddress("http://127.0.0.1:9"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private PackageCache Cache(string dataRoot, params string[] shared) => new(
        Options.Create(new DeployOptions { DataRoot = dataRoot, SharedPackageCaches = [.. shared] }),
        NullLogger<PackageCache>.Instance);

    private ModelVersion Model(string content)
    {
        var blob = Path.Combine(_root, "blobs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllText(blob, content);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(blob)));
        var model = new ModelVersion { Name = "m", Version = 1, Id = "m:1", ModelFile = "model.onnx", Framework = "onnx" };
        model.Files.Add(new ModelFile { Path = "model.onnx", Size = content.Length, Sha256 = sha, StoragePath = blob });
        return model;
    }

    [Fact]
    public async Task MissBuildsThenTheSameKeyIsAWorkspaceHit()
    {
        var cache = Cache(Path.Combine(_root, "data"));
        var model = Model("weights-1");
        var inputs = cache.KeyInputs(model, maxBatchSize: 4, maxQueueDelayMicroseconds: 0, gpus: 0);

        var built = await cache.GetOrBuildAsync(model, inputs, forceRebuild: false, UnusedRegistry, default);
        Assert.Equal("built", built.Source);
        Assert.Equal("weights-1", File.ReadAllText(built.ModelPath));
        Assert.True(File.Exists(Path.Combine(built.Directory, PackageCache.ManifestFile)));
        Assert.Equal(Path.Combine(_root, "data", "packages", inputs.ComputeKey()), built.Directory);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_root, "data", "packages"), "*.tmp-*"));

        var hit = await cache.GetOrBuildAsync(model, inputs, forceRebuild: false, UnusedRegistry, default);
        Assert.Equal("workspace", hit.Source);
        Assert.Equal(built.Key, hit.Key);

        var forced = await cache.GetOrBuildAsync(model, inputs, forceRebuild: true, UnusedRegistry, default);
        Assert.Equal("built", forced.Source);
        Assert.Equal("weights-1", File.ReadAllText(forced.ModelPath));
    }

    [Fact]
    public async Task DifferentBatchingIsADifferentPackage()
    {
        var cache = Cache(Path.Combine(_root, "data"));
        var model = Model("weights-2");
        var first = await cache.GetOrBuildAsync(model, cache.KeyInputs(model, 4, 0, 0), false, UnusedRegistry, default);
        var second = await cache.GetOrBuildAsync(model, cache.KeyInputs(model, 8, 0, 0), false, UnusedRegistry, default);
        Assert.NotEqual(first.Key, second.Key);
        Assert.Equal("built", second.Source);
        Assert.Contains("batching.maxBatchSize=8", second.HashInputs);
    }

    [Fact]
    public async Task APackageInASharedCacheIsLinkedIntoTheWorkspace()
    {
        var model = Model("weights-3");
        var sharedRoot = Path.Combine(_root, "team");
        var producer = Cache(Path.Combine(_root, "producer"));
        var produced = await producer.GetOrBuildAsync(model, producer.KeyInputs(model, 1, 0, 0), false, UnusedRegistry, default);
        Directory.CreateDirectory(sharedRoot);
        Directory.Move(produced.Directory, Path.Combine(sharedRoot, produced.Key));

        var consumer = Cache(Path.Combine(_root, "consumer"), sharedRoot);
        var result = await consumer.GetOrBuildAsync(model, consumer.KeyInputs(model, 1, 0, 0), false, UnusedRegistry, default);
        Assert.Equal("shared", result.Source);
        Assert.Equal(produced.Key, result.Key);
        Assert.StartsWith(Path.Combine(_root, "consumer", "packages"), result.Directory);
        Assert.Equal("weights-3", File.ReadAllText(result.ModelPath));
        Assert.True(File.Exists(Path.Combine(result.Directory, PackageCache.ManifestFile)));
    }
}
