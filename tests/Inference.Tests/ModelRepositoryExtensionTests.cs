using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Contracts.Clients;
using Contracts.Inference;
using Contracts.Node.V1;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Inference.Tests.Support;
using Inference.Service.Runtime;

namespace Inference.Tests;

/// <summary>
/// KServe's model repository extension on the node (gRPC RepositoryModelLoad/Unload, REST /v2/repository/…): a model the
/// node was told to load can be unloaded and loaded again by name, with the same file and settings.
/// </summary>
public sealed class ModelRepositoryExtensionTests(InferenceNodeHost node) : IClassFixture<InferenceNodeHost>
{
    private const string LoadMethod = "/inference.GRPCInferenceService/RepositoryModelLoad";
    private const string UnloadMethod = "/inference.GRPCInferenceService/RepositoryModelUnload";
    private readonly InferenceNodeClient _control = new(node.Grpc, node.Credential.AuthorizationHeader);

    private async Task LoadAsync(string name, string file, int maxBatchSize = 0) =>
        await _control.LoadModelAsync(new LoadModelRequest
        {
            ModelName = name, Location = file, ModelVersion = name + ":3", Settings = new Contracts.Node.V1.ModelSettings { MaxBatchSize = maxBatchSize },
        });

    private async Task<float[]> InferAsync(string name, float[] x)
    {
        var response = await node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer",
            WireTensors.GrpcRequest(name, [Tensor.FromArray("x", [1, x.Length], x)]));
        return WireTensors.ReadGrpcResponse(response)[0].ToArray<float>();
    }

    private async Task<JsonElement> IndexEntryAsync(string name)
    {
        using var response = await node.Http.PostAsync("/v2/repository/index", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var index = await response.Content.ReadFromJsonAsync<JsonElement>();
        return index.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task A_model_unloaded_over_grpc_loads_again_by_name_with_its_version_and_settings()
    {
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(4, 3, seed: 11), "repo-grpc");
        await LoadAsync("repo-grpc", file, maxBatchSize: 8);
        var x = new[] { 0.5f, -1f, 2f, 0.25f };
        var before = await InferAsync("repo-grpc", x);

        var unloaded = await node.Grpc.UnaryAsync<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse>(UnloadMethod, new() { ModelName = "repo-grpc" });
        Assert.True(unloaded.IsUnloaded);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/v2/models/repo-grpc/ready")).StatusCode);
        Assert.Equal("UNAVAILABLE", (await IndexEntryAsync("repo-grpc")).GetProperty("state").GetString());

        var loaded = await node.Grpc.UnaryAsync<RepositoryModelLoadRequest, RepositoryModelLoadResponse>(LoadMethod, new() { ModelName = "repo-grpc" });
        Assert.True(loaded.IsLoaded);
        Assert.Equal(before, await InferAsync("repo-grpc", x));
        var status = (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == "repo-grpc");
        Assert.Equal("repo-grpc:3", status.ModelVersion);
        Assert.Equal(8, status.Settings.MaxBatchSize);
        var entry = await IndexEntryAsync("repo-grpc");
        Assert.Equal("READY", entry.GetProperty("state").GetString());
        Assert.Equal("repo-grpc:3", entry.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Rest_unload_and_load_round_trip_and_the_server_names_the_extension()
    {
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(4, 2, seed: 12), "repo-rest");
        await LoadAsync("repo-rest", file);

        Assert.Equal(HttpStatusCode.OK, (await node.Http.PostAsync("/v2/repository/models/repo-rest/unload", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.PostAsync("/v2/repository/models/repo-rest/unload", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.PostAsync("/v2/repository/models/repo-rest/load", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/v2/models/repo-rest/ready")).StatusCode);

        var metadata = await node.Http.GetFromJsonAsync<JsonElement>("/v2/");
        Assert.Contains("model_repository", metadata.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_name_the_node_was_never_told_about_is_not_found()
    {
        var grpc = await Assert.ThrowsAsync<RpcException>(() =>
            node.Grpc.UnaryAsync<RepositoryModelLoadRequest, RepositoryModelLoadResponse>(LoadMethod, new() { ModelName = "never-loaded-here" }));
        Assert.Equal(StatusCode.NotFound, grpc.StatusCode);
        Assert.Contains("not in this node's repository", grpc.Status.Detail);

        using var rest = await node.Http.PostAsync("/v2/repository/models/never-loaded-here/load", null);
        Assert.Equal(HttpStatusCode.NotFound, rest.StatusCode);
        Assert.Equal("application/problem+json", rest.Content.Headers.ContentType?.MediaType);

        var unload = await Assert.ThrowsAsync<RpcException>(() =>
            node.Grpc.UnaryAsync<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse>(UnloadMethod, new() { ModelName = "never-loaded-here" }));
        Assert.Equal(StatusCode.NotFound, unload.StatusCode);
    }

    [Fact]
    public async Task A_reload_of_a_file_that_broke_fails_with_onnx_runtimes_message_and_the_loaded_model_keeps_serving()
    {
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(4, 3, seed: 13), "repo-broken");
        await LoadAsync("repo-broken", file);
        var x = new[] { 1f, 2f, 3f, 4f };
        var before = await InferAsync("repo-broken", x);
        await File.WriteAllBytesAsync(file, [1, 2, 3, 4, 5]);

        var failed = await Assert.ThrowsAsync<RpcException>(() =>
            node.Grpc.UnaryAsync<RepositoryModelLoadRequest, RepositoryModelLoadResponse>(LoadMethod, new() { ModelName = "repo-broken" }));
        Assert.Equal(StatusCode.InvalidArgument, failed.StatusCode);
        Assert.Contains("ONNX Runtime could not load model 'repo-broken'", failed.Status.Detail);

        using var rest = await node.Http.PostAsync("/v2/repository/models/repo-broken/load", null);
        Assert.Equal(HttpStatusCode.BadRequest, rest.StatusCode);
        Assert.Contains("location", await rest.Content.ReadAsStringAsync());

        Assert.Equal(before, await InferAsync("repo-broken", x));
    }
}
