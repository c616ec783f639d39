using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Contracts.Clients;
using Contracts.Events;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Deploy.Tests;

/// <summary>
/// The routing table over gRPC (deploy.v1), deploy rules fired by real ModelRegistered events on RabbitMQ, and a
/// rollout that cannot reach the registry failing with its reason and staying out of routing.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class RoutingAndRulesTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private DeployServiceFactory _factory = null!;
    private HttpClient _http = null!;
    private DeployClient _deploy = null!;

    public Task InitializeAsync()
    {
        _factory = new DeployServiceFactory(infrastructure, "deploy_routing_tests");
        _http = _factory.CreateClient();
        // gRPC through the in-memory test server: the same handler pipeline as Kestrel's "grpc" endpoint.
        _deploy = new DeployClient(_factory.CreateGrpcChannel());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<HttpResponseMessage> Put(string path, string json)
    {
        var response = await _http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {seconds}s; last: {value}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task RoutingTableCarriesTrafficAndItsVersionIncreasesWithEveryChange()
    {
        var endpoint = Unique("ep");
        var before = (await _deploy.GetRoutingTableAsync()).Version;
        await Put($"/api/v1/endpoints/{endpoint}", """{"authMode":"none"}""");
        await Put($"/api/v1/endpoints/{endpoint}/deployments/blue", """{"model":"m:1"}""");
        await Put($"/api/v1/endpoints/{endpoint}/deployments/green", """{"model":"m:1"}""");
        await Put($"/api/v1/endpoints/{endpoint}/deployments/shadow", """{"model":"m:1"}""");
        var afterDeployments = (await _deploy.GetRoutingTableAsync()).Version;
        Assert.True(afterDeployments >= before + 4, $"{afterDeployments} should be at least {before} + 4");

        await Put($"/api/v1/endpoints/{endpoint}/traffic", """{"green":25}""");
        await Put($"/api/v1/endpoints/{endpoint}/mirror", """{"shadow":15}""");
        var table = await _deploy.GetRoutingTableAsync();
        Assert.True(table.Version > afterDeployments);

        var route = Assert.Single(table.Endpoints, e => e.Name == endpoint);
        Assert.Equal("none", route.AuthMode);
        Assert.Equal("blue", route.DefaultDeployment);
        Assert.Equal(75, route.Traffic["blue"]);
        Assert.Equal(25, route.Traffic["green"]);
        Assert.Equal(15, route.Mirror["shadow"]);
        Assert.Equal(["blue", "green", "shadow"], route.Deployments.Select(d => d.Name));
        Assert.All(route.Deployments, d => Assert.Empty(d.Replicas));

        var single = await _deploy.GetEndpointAsync(endpoint);
        Assert.Equal(endpoint, single.Name);
        Assert.True(single.Version >= table.Version);
    }

    [Fact]
    public async Task GetEndpointAnswersNotFoundAndInvalidArgument()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => _deploy.GetEndpointAsync(Unique("nope")));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(() => _deploy.GetEndpointAsync("bad name!"));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("name", bad.Status.Detail);
    }

    [Fact]
    public async Task DeletedEndpointLeavesTheRoutingTable()
    {
        var endpoint = Unique("ep");
        await Put($"/api/v1/endpoints/{endpoint}", "{}");
        Assert.Contains((await _deploy.GetRoutingTableAsync()).Endpoints, e => e.Name == endpoint);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
        Assert.DoesNotContain((await _deploy.GetRoutingTableAsync()).Endpoints, e => e.Name == endpoint);
    }

    [Fact]
    public async Task RolloutThatCannotReachTheRegistryFailsWithItsReasonAndIsNeverRouted()
    {
        var endpoint = Unique("ep");
        await Put($"/api/v1/endpoints/{endpoint}", "{}");
        await Put($"/api/v1/endpoints/{endpoint}/deployments/blue", """{"model":"m:1"}""");
        var failed = await Eventually(
            async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/blue"))!,
            d => (string?)d["state"] == "Failed", "the rollout failing");
        Assert.Contains("registry", (string?)failed["error"]);
        Assert.Empty(failed["replicas"]!.AsArray());

        var route = (await _deploy.GetEndpointAsync(endpoint)).Deployments.Single();
        Assert.Equal("Failed", route.State);
        Assert.Empty(route.Replicas);
        Assert.Contains("registry", route.Error);

        var logs = await _http.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=50");
        Assert.Contains("Rollout of generation 1 started", logs);
        Assert.Contains("failed", logs);
    }

    [Fact]
    public async Task DeployRuleDeploysEachNewVersionOnceAndNeverRollsBack()
    {
        var endpoint = Unique("ep");
        var model = Unique("model");
        var rule = Unique("rule");
        await Put($"/api/v1/endpoints/{endpoint}", "{}");
        await Put($"/api/v1/endpoints/{endpoint}/deployments/blue", """{"model":"other:1"}""");
        await Put($"/api/v1/deploy-rules/{rule}",
            $$"""{"model":"{{model}}","endpoint":"{{endpoint}}","deploymentName":"canary","deployment":{"cpuCores":0.5},"trafficPercentile":10}""");

        var bus = _factory.Services.GetRequiredService<IBus>();
        var v2 = new ModelRegistered(Guid.NewGuid(), model, 2, "onnx", DateTimeOffset.UtcNow);
        await bus.Publish(v2);

        var canary = await Eventually(
            async () => await _http.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/canary"),
            r => r.StatusCode == HttpStatusCode.OK, "the rule creating the canary");
        var body = (await canary.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal($"{model}:2", (string?)body["model"]);
        Assert.True(10 == (int)body["trafficPercentile"]!, body.ToJsonString());
        Assert.Equal(0.5, (double)body["cpuCores"]!);
        var endpointBody = (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}"))!;
        Assert.Equal(90, (int)endpointBody["traffic"]!["blue"]!);

        var applied = await Eventually(
            async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/deploy-rules/{rule}"))!,
            r => r["firings"]!.AsArray().Any(f => (string?)f!["outcome"] == "Applied"), "the firing recorded as Applied");
        Assert.Equal(2, (int)applied["firings"]![0]!["modelVersion"]!);

        // The same event again (at-least-once delivery) and an older version: neither changes the deployment.
        await bus.Publish(v2 with { EventId = Guid.NewGuid() });
        await bus.Publish(new ModelRegistered(Guid.NewGuid(), model, 1, "onnx", DateTimeOffset.UtcNow));
        var firings = await Eventually(
            async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/deploy-rules/{rule}"))!["firings"]!.AsArray(),
            f => f.Count == 2 && f.All(x => (string?)x!["outcome"] != "Pending"), "the older version being handled");
        Assert.Equal("Skipped", (string?)firings.Single(f => (int)f!["modelVersion"]! == 1)!["outcome"]);
        Assert.Equal("Applied", (string?)firings.Single(f => (int)f!["modelVersion"]! == 2)!["outcome"]);
        var after = (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/canary"))!;
        Assert.Equal($"{model}:2", (string?)after["model"]);
        Assert.Equal(1, (int)after["generation"]!);

        // A new version updates the same deployment.
        await bus.Publish(new ModelRegistered(Guid.NewGuid(), model, 3, "onnx", DateTimeOffset.UtcNow));
        var updated = await Eventually(
            async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/canary"))!,
            d => (string?)d["model"] == $"{model}:3", "the rule updating the canary to version 3");
        Assert.Equal(2, (int)updated["generation"]!);
    }

    [Fact]
    public async Task DeployRuleOutcomeShowsARefusal()
    {
        var model = Unique("model");
        var rule = Unique("rule");
        await Put($"/api/v1/deploy-rules/{rule}", $$"""{"model":"{{model}}","endpoint":"{{Unique("gone")}}"}""");
        await _factory.Services.GetRequiredService<IBus>().Publish(new ModelRegistered(Guid.NewGuid(), model, 1, "onnx", DateTimeOffset.UtcNow));
        var firing = await Eventually(
            async () => (await _http.GetFromJsonAsync<JsonObject>($"/api/v1/deploy-rules/{rule}"))!["firings"]!.AsArray(),
            f => f.Count == 1 && (string?)f[0]!["outcome"] == "Refused", "the refusal being recorded");
        Assert.Contains("No endpoint", (string?)firing[0]!["detail"]);
    }
}
