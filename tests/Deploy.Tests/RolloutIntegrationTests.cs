using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Service.Apis;
using Deploy.Service.Rollout;
using TestSupport;

namespace Deploy.Tests;

/// <summary>The whole platform (two inference nodes) started as the run command starts it.</summary>
public sealed class TwoNodePlatform : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new(inferenceNodes: 2);
    public Task InitializeAsync() => Platform.InitializeAsync();
    public Task DisposeAsync() => ((IAsyncLifetime)Platform).DisposeAsync();
}

/// <summary>
/// Rollouts through the real Registry, Compute and inference nodes: a deployment becomes Healthy on both nodes after a
/// warm-up, a second deployment of the same model reuses the package, an update to a new version switches replicas
/// while a client that follows the deployment's routing keeps getting answers, and deleting unloads everything.
/// </summary>
public sealed class RolloutIntegrationTests(TwoNodePlatform fixture) : IClassFixture<TwoNodePlatform>
{
    private const string TestData = "/usr/share/libonnx-testdata/data/node";
    private readonly HttpClient _admin = fixture.Platform.CreateAdminClient();
    private static readonly HttpClient Nodes = new() { Timeout = TimeSpan.FromSeconds(30) };

    private async Task<int> RegisterAsync(string name, string onnxCase)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(TestData, onnxCase, "model.onnx")));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "model.onnx");
        var response = await _admin.PostAsync("/api/v1/models", form);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;
    }

    private async Task<JsonObject> PutAsync(string path, string json)
    {
        var response = await _admin.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private Task<JsonObject> GetDeploymentAsync(string endpoint, string deployment) =>
        _admin.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/{deployment}")!;

    private async Task<JsonObject> WaitForAsync(string endpoint, string deployment, Func<JsonObject, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonObject current;
        while (!done(current = (await GetDeploymentAsync(endpoint, deployment))!))
        {
            if (DateTime.UtcNow > deadline)
            {
                var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}/logs?tail=40");
                throw new TimeoutException($"{endpoint}/{deployment}: {what} did not happen; last {current.ToJsonString()}\n{logs}");
            }
            await Task.Delay(250);
        }
        return current;
    }

    private static bool Settled(JsonObject d) => (string?)d["state"] is "Healthy" or "Failed" or "Unhealthy";

    /// <summary>Scores one replica of the deployment as it is routed right now (its node-local model name and nodes).</summary>
    private static async Task<HttpStatusCode> ScoreAsync(JsonObject deployment, int turn)
    {
        var replicas = deployment["replicas"]!.AsArray();
        var replica = replicas[turn % replicas.Count]!;
        var inputs = deployment["inputs"]!.AsArray()
            .Select(i => new TensorResponse((string)i!["name"]!, (string)i["datatype"]!, i["shape"]!.AsArray().Select(s => (long)s!).ToList()))
            .ToList();
        var body = WarmupRequest.Build(inputs, out _)!;
        using var response = await Nodes.PostAsJsonAsync(
            $"{(string)replica["httpAddress"]!}/v2/models/{(string)deployment["nodeModelName"]!}/infer", body);
        return response.StatusCode;
    }

    [Fact]
    public async Task DeploymentRollsOutReusesPackagesUpdatesWithoutFailedRequestsAndDeletesCleanly()
    {
        var model = $"relu-{Guid.NewGuid():N}"[..16];
        var v1 = await RegisterAsync(model, "test_relu");
        var v2 = await RegisterAsync(model, "test_abs");
        var endpoint = $"ep-{Guid.NewGuid():N}"[..16];
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");

        // Create: two instances, one per node, warmed up, Healthy.
        var blue = await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""{"model":"{{{model}}}:{{{v1}}}","instanceCount":2,"cpuCores":0.25,"memoryGb":0.25,"batching":{"maxBatchSize":4}}""");
        Assert.Equal("Creating", (string?)blue["state"]);
        blue = await WaitForAsync(endpoint, "blue", Settled, "the first rollout");
        Assert.True((string?)blue["state"] == "Healthy", blue.ToJsonString());
        Assert.Equal($"{model}:{v1}", (string?)blue["servingModel"]);
        Assert.Equal(2, blue["replicas"]!.AsArray().Count);
        Assert.Equal("built", (string?)blue["package"]!["status"]);
        Assert.Contains(blue["package"]!["hashInputs"]!.AsArray(), l => (string?)l == "batching.maxBatchSize=4");
        Assert.Equal("x", (string?)blue["inputs"]![0]!["name"]);
        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=100");
        Assert.Contains("cache miss", logs);
        Assert.Equal(2, logs.Split('\n').Count(l => l.Contains("Warm-up on") && l.Contains(": 200 in")));
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, await ScoreAsync(blue, i));

        // Same model and package-shaping settings, different size: the package is reused.
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/green",
            $$$"""{"model":"{{{model}}}:{{{v1}}}","instanceCount":1,"cpuCores":0.25,"memoryGb":0.25,"batching":{"maxBatchSize":4}}""");
        var green = await WaitForAsync(endpoint, "green", Settled, "the second rollout");
        Assert.Equal("Healthy", (string?)green["state"]);
        Assert.Equal("workspace", (string?)green["package"]!["status"]);
        Assert.Equal((string?)blue["package"]!["key"], (string?)green["package"]!["key"]);

        // Update blue to v2 while a client keeps scoring whatever blue is routed to at that moment.
        var oldNodeModel = (string)blue["nodeModelName"]!;
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var routed = await GetDeploymentAsync(endpoint, "blue");
                var status = await ScoreAsync(routed, sent++);
                if (status != HttpStatusCode.OK) lock (failures) failures.Add($"{status} from {(string?)routed["nodeModelName"]}");
            }
        });
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""{"model":"{{{model}}}:{{{v2}}}","instanceCount":2,"cpuCores":0.25,"memoryGb":0.25,"batching":{"maxBatchSize":4}}""");
        blue = await WaitForAsync(endpoint, "blue", d => (string?)d["servingModel"] == $"{model}:{v2}" || (string?)d["state"] == "Failed", "the update");
        Assert.Equal("Healthy", (string?)blue["state"]);
        Assert.NotEqual(oldNodeModel, (string?)blue["nodeModelName"]);
        // Keep going past the drain, when the old replicas are unloaded.
        await Task.Delay(TimeSpan.FromSeconds(6));
        stop.Cancel();
        await load;
        Assert.True(sent > 20, $"only {sent} requests were sent");
        Assert.Empty(failures);
        var oldReplica = (string)blue["replicas"]![0]!["httpAddress"]!;
        using (var gone = await Nodes.GetAsync($"{oldReplica}/v2/models/{oldNodeModel}/ready"))
            Assert.NotEqual(HttpStatusCode.OK, gone.StatusCode);

        // A version that does not exist fails with the registry's reason and takes no traffic.
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/broken", $$"""{"model":"{{model}}:99","cpuCores":0.25,"memoryGb":0.25}""");
        var broken = await WaitForAsync(endpoint, "broken", Settled, "the failing rollout");
        Assert.Equal("Failed", (string?)broken["state"]);
        Assert.Contains("NotFound", (string?)broken["error"]);
        Assert.Empty(broken["replicas"]!.AsArray());

        // Deleting the endpoint unloads every replica.
        var current = (string)blue["nodeModelName"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode ready;
        do
        {
            using var probe = await Nodes.GetAsync($"{oldReplica}/v2/models/{current}/ready");
            ready = probe.StatusCode;
            if (ready != HttpStatusCode.OK) break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.NotEqual(HttpStatusCode.OK, ready);
    }
}
