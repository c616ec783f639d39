using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Deploy.Service.Apis;
using Deploy.Service.Rollout;
using TestSupport;

namespace Deploy.Tests;

/// <summary>Deployments serve again by themselves after their node is killed and after the whole platform restarts.</summary>
public sealed partial class RolloutIntegrationTests
{
    private static readonly TimeSpan ServeAgainWithin = TimeSpan.FromSeconds(60);
    // Scoring as a user does: the endpoint key only (no platform credential).
    private static readonly HttpClient Gateway = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task KeyAuthDeploymentServesAgainByItselfAfterItsNodeIsKilledAndAfterThePlatformRestarts()
    {
        var model = $"relu-{Guid.NewGuid():N}"[..16];
        var v1 = await RegisterAsync(model, "test_relu");
        var endpoint = $"rs-{Guid.NewGuid():N}"[..16];
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""{"model":"{{{model}}}:{{{v1}}}","instanceCount":1,"cpuCores":0.25,"memoryGb":0.25}""");
        var d = await WaitForAsync(endpoint, "blue", Settled, "the rollout");
        Assert.True((string?)d["state"] == "Healthy", d.ToJsonString());
        var key = (string)(await _admin.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/keys"))!["primaryKey"]!;
        var inputs = d["inputs"]!.AsArray()
            .Select(i => new TensorResponse((string)i!["name"]!, (string)i["datatype"]!, i["shape"]!.AsArray().Select(s => (long)s!).ToList()))
            .ToList();
        var body = WarmupRequest.Build(inputs, out _)!;
        // Healthy is Deploy's word; the gateway's routing table learns it by the bus a moment later (seconds on a loaded machine).
        await WaitUntilScoresAsync(endpoint, key, body, "once Healthy");

        // SIGKILL the node serving it: the deployment serves again within a minute, on whatever node is alive.
        var node = (string)Assert.Single(d["replicas"]!.AsArray())!["nodeName"]!;
        Signal("KILL", (await _platform.GetResourcesAsync())[node].Pid);
        var killedAt = Stopwatch.StartNew();
        await Task.Delay(500);
        await WaitUntilScoresAsync(endpoint, key, body, "after its node was killed");
        Assert.True(killedAt.Elapsed < ServeAgainWithin, $"served again only {killedAt.Elapsed.TotalSeconds:0.0} s after the kill");

        // The whole platform restarts (nodes come back under new names): the same key scores again, no user call.
        await _platform.RestartAsync();
        var healthyAt = Stopwatch.StartNew();
        await WaitUntilScoresAsync(endpoint, key, body, "after the platform restarted");
        Assert.True(healthyAt.Elapsed < ServeAgainWithin, $"served again only {healthyAt.Elapsed.TotalSeconds:0.0} s after the gateway was healthy");
        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=300");
        Assert.Contains("Repair: ", logs);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
    }

    private async Task<HttpStatusCode> ScoreThroughGatewayAsync(string endpoint, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_platform.GatewayHttpUri, $"/v2/models/{endpoint}/infer"))
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            using var response = await Gateway.SendAsync(request);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    private async Task WaitUntilScoresAsync(string endpoint, string key, object body, string when)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = await ScoreThroughGatewayAsync(endpoint, key, body)) != HttpStatusCode.OK)
        {
            if (deadline.Elapsed > ServeAgainWithin + TimeSpan.FromSeconds(30))
            {
                var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=60");
                throw new TimeoutException($"{endpoint} did not score {when} (last status {(int)status})\n{logs}");
            }
            await Task.Delay(500);
        }
    }
}
