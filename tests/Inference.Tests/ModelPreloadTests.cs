using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Inference.Service.Extensions;
using Inference.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Security;

namespace Inference.Tests;

/// <summary>Run on their own: starting nodes and loading models would skew the timing-sensitive tests beside them.</summary>
[CollectionDefinition(nameof(ModelPreloadCollection), DisableParallelization = true)]
public sealed class ModelPreloadCollection;

/// <summary>
/// A node started with <c>Inference:Preload</c> entries (as a Kubernetes pod is) serves those models once it has
/// started: from a local file, and from an http URL served by a real Kestrel server standing in for the registry.
/// </summary>
[Collection(nameof(ModelPreloadCollection))]
public sealed class ModelPreloadTests : IAsyncLifetime
{
    private const string ReluModel = "/usr/share/libonnx-testdata/data/node/test_relu/model.onnx";
    private const string AddModel = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";
    private WebApplication? _files;
    private Uri _filesAddress = null!;
    private int _downloads;
    // The Authorization header each download came with, by the version in its URL.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _authorizations = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("preload-cache-").FullName;

    public async Task InitializeAsync()
    {
        // The registry's file download route, answered by a small Kestrel server.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _files = builder.Build();
        _files.MapGet("/api/v1/models/{name}/versions/{version}/files/{*path}", (string name, string version, string path, HttpRequest request) =>
        {
            Interlocked.Increment(ref _downloads);
            _authorizations[version] = request.Headers.Authorization.FirstOrDefault();
            return name == "relu" && path == "model.onnx"
                ? Results.File(File.ReadAllBytes(ReluModel), "application/octet-stream")
                : Results.NotFound();
        });
        await _files.StartAsync();
        _filesAddress = new Uri(_files.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        if (_files is not null) await _files.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A node composed as Program.cs composes it, with the given preload settings; returns once it has started.</summary>
    private static readonly PlatformCredential Credential = new("preload-tests-" + Guid.NewGuid().ToString("N"));

    private async Task<(WebApplication Node, HttpClient Http)> StartNodeAsync(Dictionary<string, string?> preload)
    {
        var httpPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{FreePort()}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Inference:NodeName"] = "inference-preload-test",
            ["Platform:InternalKey"] = Credential.Key,
            ["Inference:PreloadCacheFolder"] = _cache,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in preload) settings[k] = v;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddInferenceNode();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapInferenceApis();
        await app.StartAsync();
        var http = new HttpClient(new PlatformCredentialHandler(Credential) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        return (app, http);
    }

    private static async Task<HttpStatusCode> ReadyAsync(HttpClient http, string model)
    {
        using var response = await http.GetAsync($"/v2/models/{model}/ready");
        return response.StatusCode;
    }

    [Fact]
    public async Task Models_from_a_file_and_from_a_url_are_ready_once_the_node_has_started_with_their_settings()
    {
        var url = new Uri(_filesAddress, "/api/v1/models/relu/versions/1/files/model.onnx").ToString();
        var (node, http) = await StartNodeAsync(new()
        {
            ["Inference:Preload:0:Name"] = "ep.local",
            ["Inference:Preload:0:Location"] = AddModel,
            ["Inference:Preload:0:Version"] = "add:1",
            ["Inference:Preload:1:Name"] = "ep.remote",
            ["Inference:Preload:1:Location"] = url,
            ["Inference:Preload:1:Version"] = "relu:1",
            ["Inference:Preload:1:Settings:MaxBatchSize"] = "4",
            ["Inference:Preload:1:Settings:IntraOpThreads"] = "1",
        });
        await using (node)
        using (http)
        {
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http, "ep.local"));
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http, "ep.remote"));
            var metadata = await http.GetFromJsonAsync<JsonElement>("/v2/models/ep.remote");
            Assert.Contains("relu:1", metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));

            using var infer = await http.PostAsJsonAsync("/v2/models/ep.remote/infer", new
            {
                inputs = new[] { new { name = "x", shape = new[] { 3, 4, 5 }, datatype = "FP32", data = Enumerable.Range(-30, 60).Select(i => (float)i).ToArray() } },
            });
            Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
            var output = (await infer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(Enumerable.Range(-30, 60).Select(i => (float)Math.Max(0, i)), output);

            var status = await http.GetFromJsonAsync<JsonElement>("/admin/models");
            Assert.Contains("\"maxBatchSize\":4", status.GetRawText().Replace(" ", ""));
        }
        Assert.Equal(1, _downloads);
        Assert.Single(Directory.GetFiles(_cache, "model.onnx", SearchOption.AllDirectories));

        // A second node with the same URL takes the file from the cache.
        var (again, againHttp) = await StartNodeAsync(new() { ["Inference:Preload:0:Name"] = "ep.remote", ["Inference:Preload:0:Location"] = url });
        await using (again)
        using (againHttp)
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(againHttp, "ep.remote"));
        Assert.Equal(1, _downloads);
    }

    [Fact]
    public async Task A_model_that_cannot_be_fetched_is_not_ready_and_the_node_still_serves_the_others()
    {
        var (node, http) = await StartNodeAsync(new()
        {
            ["Inference:Preload:0:Name"] = "ep.missing",
            ["Inference:Preload:0:Location"] = new Uri(_filesAddress, "/api/v1/models/nope/versions/1/files/model.onnx").ToString(),
            ["Inference:Preload:1:Name"] = "ep.local",
            ["Inference:Preload:1:Location"] = AddModel,
        });
        await using (node)
        using (http)
        {
            Assert.NotEqual(HttpStatusCode.OK, await ReadyAsync(http, "ep.missing"));
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http, "ep.local"));
            using var live = await http.GetAsync("/v2/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
    }

    [Fact]
    public async Task A_download_whose_sha256_differs_from_the_registrys_is_neither_loaded_nor_cached()
    {
        var url = new Uri(_filesAddress, "/api/v1/models/relu/versions/1/files/model.onnx").ToString();
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ReluModel)));
        var wrong = new string('0', 64);
        var (node, http) = await StartNodeAsync(new()
        {
            ["Inference:Preload:0:Name"] = "ep.tampered",
            ["Inference:Preload:0:Location"] = url,
            ["Inference:Preload:0:Sha256"] = wrong,
        });
        await using (node)
        using (http)
            Assert.Equal(HttpStatusCode.NotFound, await ReadyAsync(http, "ep.tampered"));
        Assert.Empty(Directory.GetFiles(_cache, "*", SearchOption.AllDirectories));

        var (good, goodHttp) = await StartNodeAsync(new()
        {
            ["Inference:Preload:0:Name"] = "ep.checked",
            ["Inference:Preload:0:Location"] = url,
            ["Inference:Preload:0:Sha256"] = actual,
        });
        await using (good)
        using (goodHttp)
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(goodHttp, "ep.checked"));
        Assert.Equal(2, _downloads);
    }

    [Fact]
    public async Task The_platform_credential_goes_only_with_a_download_marked_as_the_platforms()
    {
        var (node, http) = await StartNodeAsync(new()
        {
            ["Inference:Preload:0:Name"] = "ep.registry",
            ["Inference:Preload:0:Location"] = new Uri(_filesAddress, "/api/v1/models/relu/versions/1/files/model.onnx").ToString(),
            ["Inference:Preload:0:SendPlatformCredential"] = "true",
            ["Inference:Preload:1:Name"] = "ep.elsewhere",
            ["Inference:Preload:1:Location"] = new Uri(_filesAddress, "/api/v1/models/relu/versions/2/files/model.onnx").ToString(),
        });
        await using (node)
        using (http)
        {
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http, "ep.registry"));
            Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http, "ep.elsewhere"));
        }
        Assert.Equal(Credential.AuthorizationHeader, _authorizations["1"]);
        Assert.True(_authorizations.ContainsKey("2"));
        Assert.Null(_authorizations["2"]);
    }
}
