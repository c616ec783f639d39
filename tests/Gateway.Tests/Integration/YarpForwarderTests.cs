using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Service.Routing;
using Gateway.Tests.Support;
using TestSupport;

namespace Gateway.Tests.Integration;

/// <summary>
/// <c>Gateway:Forwarder=yarp</c> (YARP's IHttpForwarder, kept to be measured against ours in bench/scoring) keeps the
/// scoring contract: the chosen deployment's node-local model, the body as sent, the platform's credential instead of
/// the caller's, the answering deployment named, and the endpoint's body limit.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class YarpForwarderTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private GatewayApp _gateway = null!;
    private TestNode _node = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("yarp-node");
        _gateway = new GatewayApp(infrastructure, "gateway_yarp", settings: new() { ["Gateway:Forwarder"] = "yarp" });
        await _gateway.PublishRoutingAsync(1,
            Routes.Endpoint("yarp", [Routes.Deployment("blue", nodes: _node.Address.ToString())], "blue", auth: AuthMode.None, maxBodyBytes: 4096));
        _client = _gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Yarp_forwarder_sends_the_body_to_the_deployments_model_with_the_platform_credential_not_the_callers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/endpoints/yarp/score")
        {
            Content = new StringContent("""{"data":[[7,8,9]]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer callers-own-secret");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("blue", response.Headers.GetValues("azureml-model-deployment").Single());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("blue-model", answer.GetProperty("model").GetString());
        Assert.Equal("""{"data":[[7,8,9]]}""", answer.GetProperty("echo").GetString());
        var authorization = Assert.Single(_node.ScoreAuthorizations);
        Assert.StartsWith("Bearer ", authorization);
        Assert.DoesNotContain("callers-own-secret", authorization);
    }

    [Fact]
    public async Task Yarp_forwarder_refuses_a_body_over_the_endpoints_limit_before_the_node_sees_it()
    {
        using var response = await _client.PostAsync("/endpoints/yarp/score",
            new StringContent($$"""{"data":[{{string.Join(',', Enumerable.Repeat("1", 4096))}}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_node.Requests);
    }
}
