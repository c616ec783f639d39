using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TestSupport;

namespace Deploy.Tests;

/// <summary>The REST control plane against real PostgreSQL and RabbitMQ: validation, traffic rules, life cycle of rows.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class DeployApiTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private DeployServiceFactory _factory = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _factory = new DeployServiceFactory(infrastructure, "deploy_api_tests");
        _http = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private Task<HttpResponseMessage> Put(string path, string json) =>
        _http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    private static async Task<JsonObject> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!.AsObject();
    }

    private static IReadOnlyCollection<string> ErrorFields(JsonObject problem) =>
        problem["errors"]!.AsObject().Select(kv => kv.Key).ToList();

    private async Task<string> CreateEndpoint(string auth = "key")
    {
        var name = Unique("ep");
        var response = await Put($"/api/v1/endpoints/{name}", $$"""{"authMode":"{{auth}}"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    private async Task<JsonObject> CreateDeployment(string endpoint, string deployment, string extra = "")
    {
        var response = await Put($"/api/v1/endpoints/{endpoint}/deployments/{deployment}",
            $$"""{"model":"demo-classifier:1","instanceCount":1,"cpuCores":0.5,"memoryGb":0.25{{extra}}}""");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await Json(response);
    }

    [Fact]
    public async Task CreatingAnEndpointAnswersItsScoringAndSwaggerUris()
    {
        var name = Unique("ep");
        var created = await Put($"/api/v1/endpoints/{name}", """{"authMode":"token","description":"d","tags":{"team":"a"}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/endpoints/{name}", created.Headers.Location?.OriginalString);
        var body = await Json(created);
        Assert.Equal("token", (string?)body["authMode"]);
        Assert.Equal($"{DeployServiceFactory.PublicBaseUrl}/endpoints/{name}/score", (string?)body["scoringUri"]);
        Assert.Equal($"{DeployServiceFactory.PublicBaseUrl}/endpoints/{name}/swagger.json", (string?)body["swaggerUri"]);
        Assert.Equal("Succeeded", (string?)body["provisioningState"]);
        Assert.Empty(body["traffic"]!.AsObject());

        var again = await Put($"/api/v1/endpoints/{name}", """{"authMode":"key"}""");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("key", (string?)(await Json(again))["authMode"]);
        Assert.Equal("d", (string?)(await Json(await _http.GetAsync($"/api/v1/endpoints/{name}")))["description"]);

        var list = await _http.GetFromJsonAsync<JsonArray>("/api/v1/endpoints");
        Assert.Contains(list!, e => (string?)e!["name"] == name);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("has_underscore")]
    [InlineData("a23456789012345678901234567890123")]
    public async Task BadEndpointNamesAreRefusedNamingTheField(string name)
    {
        var problem = await Problem(await Put($"/api/v1/endpoints/{name}", "{}"), HttpStatusCode.BadRequest);
        Assert.Contains("name", ErrorFields(problem));
    }

    [Fact]
    public async Task UnknownAuthModeIsRefused()
    {
        var problem = await Problem(await Put($"/api/v1/endpoints/{Unique("ep")}", """{"authMode":"magic"}"""), HttpStatusCode.BadRequest);
        Assert.Contains("authMode", ErrorFields(problem));
    }

    [Fact]
    public async Task EveryInvalidDeploymentFieldIsNamed()
    {
        var endpoint = await CreateEndpoint();
        var response = await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"no-version","instanceCount":0,"cpuCores":0,"memoryGb":-1,"gpus":-1,"batching":{"maxBatchSize":0,"maxQueueDelayMicroseconds":-5}}""");
        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            new[] { "batching.maxBatchSize", "batching.maxQueueDelayMicroseconds", "cpuCores", "gpus", "instanceCount", "memoryGb", "model" },
            ErrorFields(problem).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FractionalInstanceCountAndWrongJsonTypesAreNamed()
    {
        var endpoint = await CreateEndpoint();
        var fractional = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","instanceCount":1.5}"""), HttpStatusCode.BadRequest);
        Assert.Contains("instanceCount", ErrorFields(fractional));

        var wrongType = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","cpuCores":"lots"}"""), HttpStatusCode.BadRequest);
        Assert.Contains("cpuCores", ErrorFields(wrongType));
    }

    [Fact]
    public async Task EveryBrokenScaleRuleIsNamedWithItsField()
    {
        var endpoint = await CreateEndpoint();
        var broken = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","scale":{"minInstances":0,"maxInstances":1.5,"targetConcurrentRequests":0,"scaleDownDelaySeconds":-1}}"""), HttpStatusCode.BadRequest);
        Assert.Equal(
            new[] { "scale.maxInstances", "scale.minInstances", "scale.scaleDownDelaySeconds", "scale.targetConcurrentRequests" },
            ErrorFields(broken).Order(StringComparer.Ordinal));
        Assert.Contains("whole number", (string?)broken["errors"]!["scale.minInstances"]![0]);

        var maxBelowMin = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","instanceCount":3,"scale":{"minInstances":3,"maxInstances":2}}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["scale.maxInstances"], ErrorFields(maxBelowMin));
        Assert.Contains("at least minInstances", (string?)maxBelowMin["errors"]!["scale.maxInstances"]![0]);

        var noMax = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","scale":{"minInstances":1}}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["scale.maxInstances"], ErrorFields(noMax));

        var startOutside = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"m:1","instanceCount":5,"scale":{"minInstances":1,"maxInstances":4}}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["instanceCount"], ErrorFields(startOutside));
    }

    [Fact]
    public async Task ScaleIsKeptAndTheDeploymentShowsItsInstancesWithinTheBounds()
    {
        var endpoint = await CreateEndpoint();
        var scale = ""","instanceCount":2,"scale":{"minInstances":1,"maxInstances":4,"targetConcurrentRequests":2.5,"scaleDownDelaySeconds":30}""";
        var created = await CreateDeployment(endpoint, "blue", scale);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"minInstances":1,"maxInstances":4,"targetConcurrentRequests":2.5,"scaleDownDelaySeconds":30}"""), created["scale"]),
            created["scale"]?.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"desired":2,"ready":0,"min":1,"max":4}"""), created["instances"]), created["instances"]?.ToJsonString());
        Assert.Null(created["lastScaling"]);

        var read = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/blue");
        Assert.Equal(4, (int)read!["instances"]!["max"]!);
        Assert.Equal(30, (double)read["scale"]!["scaleDownDelaySeconds"]!);

        // The same body again changes nothing; new bounds are a change of what runs (a new generation).
        var same = await Json(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$"""{"model":"demo-classifier:1","cpuCores":0.5,"memoryGb":0.25{{scale}}}"""));
        Assert.Equal(1, (int)same["generation"]!);
        var widerScale = scale.Replace("\"maxInstances\":4", "\"maxInstances\":6", StringComparison.Ordinal);
        var wider = await Json(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$"""{"model":"demo-classifier:1","cpuCores":0.5,"memoryGb":0.25{{widerScale}}}"""));
        Assert.Equal(2, (int)wider["generation"]!);
        Assert.Equal(6, (int)wider["instances"]!["max"]!);

        // Without scale the bounds are the fixed instance count.
        var fixedCount = await CreateDeployment(endpoint, "green");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"desired":1,"ready":0,"min":1,"max":1}"""), fixedCount["instances"]), fixedCount["instances"]?.ToJsonString());
        Assert.Null(fixedCount["scale"]);
    }

    [Fact]
    public async Task FractionalCoresAndMemoryAreAccepted()
    {
        var endpoint = await CreateEndpoint();
        var body = await CreateDeployment(endpoint, "blue", ""","cpuCores":0.1,"memoryGb":0.2""");
        Assert.Equal(0.1, (double)body["cpuCores"]!);
        Assert.Equal(0.2, (double)body["memoryGb"]!);
        Assert.Equal("Creating", (string?)body["state"]);
    }

    [Fact]
    public async Task DeploymentOnAnUnknownEndpointIsNotFound()
    {
        await Problem(await Put($"/api/v1/endpoints/{Unique("nope")}/deployments/blue", """{"model":"m:1"}"""), HttpStatusCode.NotFound);
        await Problem(await _http.GetAsync($"/api/v1/endpoints/{Unique("nope")}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task FirstDeploymentIsDefaultAndTheRestOfTheTrafficFollowsTheRules()
    {
        var endpoint = await CreateEndpoint();
        var blue = await CreateDeployment(endpoint, "blue");
        Assert.True((bool)blue["isDefault"]!);
        Assert.Equal(100, (int)blue["trafficPercentile"]!);
        await CreateDeployment(endpoint, "green");
        await CreateDeployment(endpoint, "shadow");

        var split = await Put($"/api/v1/endpoints/{endpoint}/traffic", """{"blue":90,"green":10}""");
        Assert.Equal(HttpStatusCode.OK, split.StatusCode);
        var traffic = (await Json(split))["traffic"]!.AsObject();
        Assert.Equal(90, (int)traffic["blue"]!);
        Assert.Equal(10, (int)traffic["green"]!);

        var sum = await Problem(await Put($"/api/v1/endpoints/{endpoint}/traffic", """{"blue":90,"green":20}"""), HttpStatusCode.BadRequest);
        Assert.Equal("traffic-sum", (string?)sum["rule"]);
        Assert.Contains("traffic", ErrorFields(sum));

        var fraction = await Problem(await Put($"/api/v1/endpoints/{endpoint}/traffic", """{"green":2.5}"""), HttpStatusCode.BadRequest);
        Assert.Equal("integer-percent", (string?)fraction["rule"]);

        var mirrorLive = await Problem(await Put($"/api/v1/endpoints/{endpoint}/mirror", """{"green":10}"""), HttpStatusCode.Conflict);
        Assert.Equal("mirror-target-live", (string?)mirrorLive["rule"]);

        var mirrorTooMuch = await Problem(await Put($"/api/v1/endpoints/{endpoint}/mirror", """{"shadow":60}"""), HttpStatusCode.BadRequest);
        Assert.Equal("mirror-limit", (string?)mirrorTooMuch["rule"]);

        var mirror = await Put($"/api/v1/endpoints/{endpoint}/mirror", """{"shadow":20}""");
        Assert.Equal(HttpStatusCode.OK, mirror.StatusCode);
        Assert.Equal(20, (int)(await Json(mirror))["mirrorTraffic"]!["shadow"]!);

        var control = await CreateDeployment(endpoint, "ctl", ""","isControl":true""");
        Assert.True((bool)control["isControl"]!);
        var secondControl = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/ctl2",
            """{"model":"m:1","isControl":true}"""), HttpStatusCode.Conflict);
        Assert.Equal("single-control", (string?)secondControl["rule"]);

        // Deleting green gives its 10% back to the default.
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/v1/endpoints/{endpoint}/deployments/green")).StatusCode);
        await Problem(await _http.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/green"), HttpStatusCode.NotFound);
        var after = await Json(await _http.GetAsync($"/api/v1/endpoints/{endpoint}"));
        Assert.Equal(100, (int)after["traffic"]!["blue"]!);
        Assert.Null(after["traffic"]!["green"]);
        Assert.Equal(endpoint, (string?)after["name"]);
        Assert.Equal("ctl", (string?)after["controlDeployment"]);
    }

    [Fact]
    public async Task SeventhDeploymentIsRefusedNamingTheLimit()
    {
        var endpoint = await CreateEndpoint();
        foreach (var d in new[] { "d01", "d02", "d03", "d04", "d05", "d06" }) await CreateDeployment(endpoint, d);
        var problem = await Problem(await Put($"/api/v1/endpoints/{endpoint}/deployments/d07", """{"model":"m:1"}"""), HttpStatusCode.Conflict);
        Assert.Equal("max-deployments", (string?)problem["rule"]);
        var list = await _http.GetFromJsonAsync<JsonArray>($"/api/v1/endpoints/{endpoint}/deployments");
        Assert.Equal(6, list!.Count);
    }

    [Fact]
    public async Task UpdatingADeploymentBumpsItsGenerationOnlyWhenWhatItRunsChanges()
    {
        var endpoint = await CreateEndpoint();
        var created = await CreateDeployment(endpoint, "blue");
        Assert.Equal(1, (int)created["generation"]!);

        var sameSpec = await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"demo-classifier:1","instanceCount":1,"cpuCores":0.5,"memoryGb":0.25,"isControl":true}""");
        Assert.Equal(HttpStatusCode.OK, sameSpec.StatusCode);
        var same = await Json(sameSpec);
        Assert.Equal(1, (int)same["generation"]!);
        Assert.True((bool)same["isControl"]!);

        var newVersion = await Json(await Put($"/api/v1/endpoints/{endpoint}/deployments/blue",
            """{"model":"demo-classifier:2","instanceCount":2,"cpuCores":0.5,"memoryGb":0.25}"""));
        Assert.Equal(2, (int)newVersion["generation"]!);
        Assert.Equal("demo-classifier:2", (string?)newVersion["model"]);
        // isControl absent keeps the current marking.
        Assert.True((bool)newVersion["isControl"]!);
    }

    [Fact]
    public async Task LogsAreTextAndTailIsValidated()
    {
        var endpoint = await CreateEndpoint();
        await CreateDeployment(endpoint, "blue");
        var logs = await _http.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=5");
        Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        Assert.Equal("text/plain", logs.Content.Headers.ContentType?.MediaType);
        Assert.Contains("rollout queued", await logs.Content.ReadAsStringAsync());

        var bad = await Problem(await _http.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=zero"), HttpStatusCode.BadRequest);
        Assert.Contains("tail", ErrorFields(bad));
    }

    [Fact]
    public async Task DeletingAnEndpointHidesItAtOnceAndFreesItsName()
    {
        var endpoint = await CreateEndpoint();
        await CreateDeployment(endpoint, "blue");
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
        await Problem(await _http.GetAsync($"/api/v1/endpoints/{endpoint}"), HttpStatusCode.NotFound);
        await Problem(await _http.DeleteAsync($"/api/v1/endpoints/{endpoint}"), HttpStatusCode.NotFound);

        // The worker removes the rows (nothing was placed), after which the name can be used again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage recreated;
        do
        {
            recreated = await Put($"/api/v1/endpoints/{endpoint}", "{}");
            if (recreated.StatusCode != HttpStatusCode.Conflict) break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
        Assert.Empty((await Json(recreated))["deployments"]!.AsArray());
    }

    [Fact]
    public async Task DeployRuleValidationNamesEachField()
    {
        var problem = await Problem(await Put($"/api/v1/deploy-rules/{Unique("rule")}",
            """{"model":"bad name","endpoint":"x","deployment":{"instanceCount":0},"trafficPercentile":150}"""), HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "deployment.instanceCount", "endpoint", "model", "trafficPercentile" }, ErrorFields(problem).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeployRuleIsStoredReadAndDeleted()
    {
        var endpoint = await CreateEndpoint();
        var rule = Unique("rule");
        var created = await Put($"/api/v1/deploy-rules/{rule}",
            $$"""{"model":"fraud","endpoint":"{{endpoint}}","deploymentName":"canary","deployment":{"instanceCount":2,"cpuCores":0.5},"trafficPercentile":10}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Json(created);
        Assert.Equal("canary", (string?)body["deploymentName"]);
        Assert.Equal(2, (double)body["deployment"]!["instanceCount"]!);
        Assert.Empty(body["firings"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/v1/deploy-rules/{rule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/v1/deploy-rules/{rule}")).StatusCode);
        await Problem(await _http.GetAsync($"/api/v1/deploy-rules/{rule}"), HttpStatusCode.NotFound);
    }

}
