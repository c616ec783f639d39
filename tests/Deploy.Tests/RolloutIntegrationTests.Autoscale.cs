using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Deploy.Service.Apis;
using Deploy.Service.Rollout;
using Inference.Tests.Support;
using TestSupport;

namespace Deploy.Tests;

/// <summary>A deployment with scale grows under load and shrinks after the load, through the real gateway, nodes and Compute.</summary>
public sealed partial class RolloutIntegrationTests
{
    private const double ScaleDownDelaySeconds = 4;

    [Fact]
    public async Task AutoscaledDeploymentScalesUpUnderLoadWithoutFailedRequestsAndBackDownAfterTheDelay()
    {
        // A batch-major model whose requests wait in the node's batch queue (300 ms): requests in flight are what the
        // clients keep open, which is what the autoscaler goes by.
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Identity(1, "batch", 4), "identity");
        var model = $"ascl-{Guid.NewGuid():N}"[..16];
        var version = await _admin.RegisterModelAsync(model, file);
        var endpoint = $"ascl-{Guid.NewGuid():N}"[..16];
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""
            {"model":"{{{model}}}:{{{version}}}","instanceCount":1,"cpuCores":0.25,"memoryGb":0.25,
             "batching":{"maxBatchSize":64,"maxQueueDelayMicroseconds":300000},
             "scale":{"minInstances":1,"maxInstances":2,"targetConcurrentRequests":2,"scaleDownDelaySeconds":{{{ScaleDownDelaySeconds}}}}}
            """);
        var d = await WaitForAsync(endpoint, "blue", Settled, "the rollout");
        Assert.True((string?)d["state"] == "Healthy", d.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"desired":1,"ready":1,"min":1,"max":2}"""), d["instances"]), d["instances"]!.ToJsonString());

        var key = (string)(await _admin.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/keys"))!["primaryKey"]!;
        var inputs = d["inputs"]!.AsArray()
            .Select(i => new TensorResponse((string)i!["name"]!, (string)i["datatype"]!, i["shape"]!.AsArray().Select(s => (long)s!).ToList()))
            .ToList();
        var body = WarmupRequest.Build(inputs, out _)!;
        // Healthy is Deploy's word; the gateway's routing table learns it by the bus a moment later.
        await WaitUntilScoresAsync(endpoint, key, body, "once Healthy");

        // Eight clients score without pause: about eight requests in flight against a target of two per instance.
        using var stop = new CancellationTokenSource();
        var answers = new List<HttpStatusCode>();
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var status = await ScoreThroughGatewayAsync(endpoint, key, body);
                lock (answers) answers.Add(status);
            }
        })).ToArray();
        JsonObject up;
        try
        {
            up = await WaitForAsync(endpoint, "blue",
                x => (int)x["instances"]!["desired"]! == 2 && (int)x["instances"]!["ready"]! == 2, "scaling up to 2 instances under load");
            // Scaled up: the load goes on for a while over the new replica set.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(clients);
        }
        var stoppedAt = Stopwatch.StartNew();
        Assert.Equal(2, up["replicas"]!.AsArray().Sum(r => (int)r!["instances"]!));
        Assert.Equal(1, (int)up["lastScaling"]!["from"]!);
        Assert.Equal(2, (int)up["lastScaling"]!["to"]!);
        Assert.Contains("in flight", (string?)up["lastScaling"]!["reason"]);
        lock (answers)
        {
            Assert.True(answers.Count > 20, $"only {answers.Count} requests were made under load");
            Assert.True(answers.All(s => s == HttpStatusCode.OK),
                $"requests failed while scaling up: {string.Join(", ", answers.Where(s => s != HttpStatusCode.OK).GroupBy(s => s).Select(g => $"{g.Count()} × {(int)g.Key}"))}");
        }

        // No load: back to one instance, only once the delay has passed.
        var down = await WaitForAsync(endpoint, "blue",
            x => (int)x["instances"]!["desired"]! == 1 && (int)x["instances"]!["ready"]! == 1, "scaling back down to 1 instance");
        Assert.True(stoppedAt.Elapsed.TotalSeconds >= ScaleDownDelaySeconds - 1.5,
            $"scaled down {stoppedAt.Elapsed.TotalSeconds:0.0} s after the load stopped, before the {ScaleDownDelaySeconds} s delay");
        Assert.Equal(2, (int)down["lastScaling"]!["from"]!);
        Assert.Equal(1, (int)down["lastScaling"]!["to"]!);
        Assert.Single(down["replicas"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, await ScoreThroughGatewayAsync(endpoint, key, body));

        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=300");
        Assert.Contains("Autoscale: 1 → 2 instance(s)", logs);
        Assert.Contains("Autoscale: 2 → 1 instance(s)", logs);
        Assert.Contains("Scaled to 2 instance(s)", logs);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
    }
}
