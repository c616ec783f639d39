using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Contracts.Events;
using Gateway.Service.Routing;
using Gateway.Tests.Support;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Gateway.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class ScoringRoutingTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan RecheckAge = TimeSpan.FromMilliseconds(200);
    private GatewayApp _gateway = null!;
    private TestNode _blueNode = null!;
    private TestNode _greenNode = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _blueNode = await TestNode.StartAsync("blue-node");
        _greenNode = await TestNode.StartAsync("green-node");
        _gateway = new GatewayApp(infrastructure, "gateway_routing", settings: new()
        {
            ["Gateway:RequestTimeout"] = "00:00:01.500",
            ["Gateway:RoutingRecheckAge"] = RecheckAge.ToString(),
        });
        await _gateway.PublishRoutingAsync(1, Endpoints(traffic: new() { ["blue"] = 90, ["green"] = 10 }));
        _client = _gateway.CreateClient();
    }

    private EndpointRoute[] Endpoints(Dictionary<string, int> traffic, Dictionary<string, int>? mirror = null) =>
    [
        Routes.Endpoint("split", [
            Routes.Deployment("blue", nodes: _blueNode.Address.ToString()),
            Routes.Deployment("green", nodes: _greenNode.Address.ToString()),
            Routes.Deployment("shadow", nodes: _greenNode.Address.ToString()),
            Routes.Deployment("down", state: "Failed", nodes: _blueNode.Address.ToString())],
            "blue", traffic, mirror, auth: AuthMode.None, maxBodyBytes: 4096),
        Routes.Endpoint("nothing-healthy", [Routes.Deployment("blue", state: "Transitioning", nodes: _blueNode.Address.ToString())], "blue", auth: AuthMode.None),
        Routes.Endpoint("slow", [new DeploymentRoute("blue", "Healthy", "m:1", "slow-model", [], [], [new ReplicaRoute("n", _blueNode.Address, null)])], "blue", auth: AuthMode.None),
        Routes.Endpoint("busy", [new DeploymentRoute("blue", "Healthy", "m:1", "busy-model", [], [], [new ReplicaRoute("n", _blueNode.Address, null)])], "blue", auth: AuthMode.None),
    ];

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _blueNode.DisposeAsync();
        await _greenNode.DisposeAsync();
    }

    private async Task<HttpResponseMessage> ScoreAsync(string endpoint, string? pin = null, string body = """{"data":[[1,2,3]]}""")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (pin is not null) request.Headers.Add("azureml-model-deployment", pin);
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task Split_of_90_10_over_2000_requests_gives_green_10_percent_within_3()
    {
        var green = 0;
        for (var i = 0; i < 2000; i++)
        {
            using var response = await ScoreAsync("split");
            response.EnsureSuccessStatusCode();
            if (response.Headers.GetValues("azureml-model-deployment").Single() == "green") green++;
        }

        Assert.InRange(green / 2000.0, 0.07, 0.13);
    }

    [Fact]
    public async Task The_node_gets_the_body_for_its_own_model_name()
    {
        using var response = await ScoreAsync("split", pin: "blue", body: """{"data":[[4,5,6]]}""");

        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("blue-model", answer.GetProperty("model").GetString());
        Assert.Equal("""{"data":[[4,5,6]]}""", answer.GetProperty("echo").GetString());
        Assert.Contains(_blueNode.Requests, r => r.Model == "blue-model");
    }

    [Fact]
    public async Task An_empty_body_and_a_chunked_body_reach_the_node_as_sent()
    {
        for (var i = 0; i < 2; i++)
        {
            using var empty = await ScoreAsync("split", pin: "blue", body: "");
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            Assert.Equal("", (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("echo").GetString());
        }

        // No Content-Length: the gateway reads the chunks into its (growing) buffer within the endpoint's limit.
        var large = """{"data":[[""" + string.Join(",", Enumerable.Range(0, 600)) + "]]}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/endpoints/split/score")
        {
            Content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(large))) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add("azureml-model-deployment", "blue");
        request.Headers.TransferEncodingChunked = true;
        using var chunked = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, chunked.StatusCode);
        Assert.Equal(large, (await chunked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("echo").GetString());
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task Pin_header_sends_to_that_deployment_and_an_unknown_one_is_404_naming_it()
    {
        for (var i = 0; i < 20; i++)
        {
            using var pinned = await ScoreAsync("split", pin: "green");
            Assert.Equal("green", pinned.Headers.GetValues("azureml-model-deployment").Single());
        }
        using var unknown = await ScoreAsync("split", pin: "purple");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("purple", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task No_Healthy_deployment_is_503_with_the_reason()
    {
        using var response = await ScoreAsync("nothing-healthy");
        using var health = await _client.GetAsync("/endpoints/nothing-healthy");
        using var healthy = await _client.GetAsync("/endpoints/split");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Transitioning", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task A_deployment_Deploy_calls_Healthy_is_scored_before_its_RoutingChanged_arrives_and_an_outage_costs_one_fetch_per_recheck_age()
    {
        var endpoints = Endpoints(traffic: new() { ["blue"] = 90, ["green"] = 10 });
        await _gateway.PublishRoutingAsync(2, [.. endpoints,
            Routes.Endpoint("late", [Routes.Deployment("blue", state: "Transitioning", nodes: _blueNode.Address.ToString())], "blue", auth: AuthMode.None)]);
        // Deploy's table now has it Healthy, but its RoutingChanged has not reached the gateway (none is published here).
        _gateway.Routing.Set(3, [.. endpoints, Routes.Endpoint("late", [Routes.Deployment("blue", nodes: _blueNode.Address.ToString())], "blue", auth: AuthMode.None)]);
        await Task.Delay(RecheckAge + TimeSpan.FromMilliseconds(50));

        using (var scored = await ScoreAsync("late"))
        {
            Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
            Assert.Equal("blue", scored.Headers.GetValues("azureml-model-deployment").Single());
        }

        // A lasting outage: every request is refused with the reason, and the table is fetched at most once per recheck age.
        var fetches = _gateway.Routing.Fetches;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var requests = 0;
        while (elapsed.Elapsed < RecheckAge * 4)
        {
            using var refused = await ScoreAsync("nothing-healthy");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            requests++;
        }
        Assert.True(requests > 10, $"only {requests} requests in {elapsed.Elapsed.TotalMilliseconds:0} ms");
        var allowed = (int)(elapsed.Elapsed / RecheckAge) + 2;
        Assert.InRange(_gateway.Routing.Fetches - fetches, 1, allowed);
    }

    [Fact]
    public async Task A_body_over_the_endpoint_limit_is_413_and_never_reaches_a_node()
    {
        var before = _blueNode.Requests.Count + _greenNode.Requests.Count;
        var big = """{"data":[""" + string.Join(",", Enumerable.Repeat("1.0", 2000)) + "]}";

        using var response = await ScoreAsync("split", body: big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, _blueNode.Requests.Count + _greenNode.Requests.Count);
    }

    [Fact]
    public async Task A_deployment_slower_than_the_request_timeout_gives_504()
    {
        var started = DateTime.UtcNow;
        using var response = await ScoreAsync("slow");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_full_queue_on_the_node_passes_through_as_429()
    {
        using var response = await ScoreAsync("busy");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task Mirror_copies_reach_the_mirror_deployment_and_the_client_never_sees_its_answers()
    {
        await _gateway.PublishRoutingAsync(10, Endpoints(traffic: new() { ["blue"] = 100 }, mirror: new() { ["shadow"] = 50 }));
        try
        {
            for (var i = 0; i < 200; i++)
            {
                using var response = await ScoreAsync("split");
                Assert.Equal("blue", response.Headers.GetValues("azureml-model-deployment").Single());
            }
            await Task.Delay(500);
            var copies = _greenNode.Requests.Count(r => r.Model == "shadow-model");
            Assert.InRange(copies, 60, 140);
        }
        finally
        {
            await _gateway.PublishRoutingAsync(11, Endpoints(traffic: new() { ["blue"] = 90, ["green"] = 10 }));
        }
    }

    [Fact]
    public async Task A_RoutingChanged_event_on_the_bus_makes_the_gateway_fetch_the_new_table()
    {
        var cache = _gateway.Services.GetRequiredService<RoutingTableCache>();
        var version = cache.Current.Version + 100;
        _gateway.Routing.Set(version, [.. Endpoints(traffic: new() { ["blue"] = 90, ["green"] = 10 }),
            Routes.Endpoint("added", [Routes.Deployment("blue", nodes: _blueNode.Address.ToString())], "blue", auth: AuthMode.None)]);

        await _gateway.Services.GetRequiredService<IBus>().Publish(new RoutingChanged(Guid.NewGuid(), "added", version, DateTimeOffset.UtcNow));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cache.Current.Version < version && DateTime.UtcNow < deadline) await Task.Delay(100);
        using var response = await ScoreAsync("added");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task KServe_infer_answers_under_the_endpoint_name_and_metadata_comes_from_the_table()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/split/infer")
        {
            Content = JsonContent.Create(new { inputs = new[] { new { name = "x", datatype = "FP32", shape = new[] { 1, 3 }, data = new[] { 1.0, 2.0, 3.0 } } } }),
        };
        request.Headers.Add("azureml-model-deployment", "green");
        using var infer = await _client.SendAsync(request);
        var answer = await infer.Content.ReadFromJsonAsync<JsonElement>();
        var metadata = await _client.GetFromJsonAsync<JsonElement>("/v2/models/split");

        Assert.Equal("split", answer.GetProperty("model_name").GetString());
        Assert.Contains(_greenNode.Requests, r => r.Model == "green-model" && r.Body.Contains("\"inputs\""));
        Assert.Equal("x", metadata.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/models/split/ready")).StatusCode);
    }

    [Fact]
    public async Task Swagger_document_describes_the_default_deployments_inputs()
    {
        var doc = await _client.GetFromJsonAsync<JsonElement>("/endpoints/split/swagger.json");

        Assert.Equal("3.0.1", doc.GetProperty("openapi").GetString());
        var media = doc.GetProperty("paths").GetProperty("/endpoints/split/score").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.Equal(3, media.GetProperty("example").GetProperty("data")[0].GetArrayLength());
    }
}
