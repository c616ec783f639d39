using System.Net;
using System.Net.Http.Json;
using Contracts.Clients;
using Contracts.Inference;
using Contracts.Node.V1;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Grpc.Health.V1;
using Inference.Tests.Support;
using ServiceDefaults.Security;

namespace Inference.Tests;

/// <summary>
/// A node answers only the platform: scoring, the repository extension and node control, over REST and gRPC, refuse a
/// caller without the platform credential (401 / UNAUTHENTICATED) and change nothing; health probes stay open.
/// </summary>
public sealed class NodeAuthenticationTests(InferenceNodeHost node) : IClassFixture<InferenceNodeHost>, IDisposable
{
    private readonly HttpClient _anonymous = new() { BaseAddress = node.HttpAddress };
    private readonly GrpcChannel _anonymousGrpc = GrpcChannel.ForAddress(node.GrpcAddress, new GrpcChannelOptions());

    private async Task<string> LoadAsync(string name)
    {
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(4, 3, seed: 5), name);
        await new InferenceNodeClient(node.Grpc, node.Credential.AuthorizationHeader).LoadModelAsync(new LoadModelRequest { ModelName = name, Location = file });
        return name;
    }

    private async Task AssertStillReadyAsync(string name) =>
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync($"/v2/models/{name}/ready")).StatusCode);

    private static object InferBody() => new
    {
        inputs = new[] { new { name = "x", datatype = "FP32", shape = new[] { 1, 4 }, data = new[] { 1f, 2f, 3f, 4f } } },
    };

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-the-platform-credential")]
    [InlineData("Basic cGxhdGZvcm06a2V5")]
    public async Task Rest_scoring_and_control_without_the_platform_credential_get_401_and_change_nothing(string? authorization)
    {
        var model = await LoadAsync("auth-rest-" + (authorization?.Length ?? 0));
        var calls = new Func<HttpRequestMessage>[]
        {
            () => new(HttpMethod.Post, $"/v2/models/{model}/infer") { Content = JsonContent.Create(InferBody()) },
            () => new(HttpMethod.Post, $"/models/{model}/score") { Content = JsonContent.Create(new { data = new[] { new[] { 1f, 2f, 3f, 4f } } }) },
            () => new(HttpMethod.Get, $"/v2/models/{model}"),
            () => new(HttpMethod.Post, $"/v2/repository/models/{model}/unload"),
            () => new(HttpMethod.Post, "/v2/repository/index"),
            () => new(HttpMethod.Get, "/admin/models"),
            () => new(HttpMethod.Delete, $"/admin/models/{model}"),
        };
        foreach (var call in calls)
        {
            using var request = call();
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await _anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        await AssertStillReadyAsync(model);
    }

    [Fact]
    public async Task Grpc_scoring_and_control_without_the_platform_credential_get_unauthenticated_and_change_nothing()
    {
        var model = await LoadAsync("auth-grpc");
        var infer = new ModelInferRequest { ModelName = model };
        var calls = new Func<Task>[]
        {
            () => _anonymousGrpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer", infer),
            () => _anonymousGrpc.UnaryAsync<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse>(
                "/inference.GRPCInferenceService/RepositoryModelUnload", new() { ModelName = model }),
            () => new InferenceNodeClient(_anonymousGrpc, "Bearer wrong-credential-of-some-length").UnloadModelAsync(model),
            () => _anonymousGrpc.UnaryAsync<ListModelsRequest, ListModelsResponse>("/node.v1.InferenceNode/ListModels", new()),
        };
        foreach (var call in calls)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        await AssertStillReadyAsync(model);
    }

    [Fact]
    public async Task Health_probes_answer_without_a_credential()
    {
        Assert.Equal(HttpStatusCode.OK, (await _anonymous.GetAsync("/alive")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await _anonymous.GetAsync("/health")).StatusCode);
        var health = await _anonymousGrpc.UnaryAsync<HealthCheckRequest, HealthCheckResponse>("/grpc.health.v1.Health/Check", new());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public void The_credential_accepts_the_current_and_previous_keys_only()
    {
        var credential = new PlatformCredential("current-key-0123456789", ["previous-key-0123456789"]);
        Assert.True(credential.Accepts("Bearer current-key-0123456789"));
        Assert.True(credential.Accepts("bearer previous-key-0123456789"));
        Assert.False(credential.Accepts("Bearer current-key-012345678"));
        // Keys are compared as they are (no digest first): a longer key, one of the same length differing in its last
        // character, and one differing only in case are all refused.
        Assert.False(credential.Accepts("Bearer current-key-01234567890"));
        Assert.False(credential.Accepts("Bearer current-key-0123456788"));
        Assert.False(credential.Accepts("Bearer CURRENT-KEY-0123456789"));
        Assert.False(credential.Accepts("Bearer "));
        Assert.False(credential.Accepts("current-key-0123456789"));
        Assert.False(credential.Accepts(new Microsoft.Extensions.Primitives.StringValues(["Bearer current-key-0123456789", "Bearer x"])));
        Assert.Equal("Bearer current-key-0123456789", credential.AuthorizationHeader);
    }

    public void Dispose()
    {
        _anonymous.Dispose();
        _anonymousGrpc.Dispose();
    }
}
