using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Contracts.Clients;
using Contracts.Node.V1;
using Deploy.Service.Apis;
using Deploy.Service.Rollout;
using Grpc.Core;
using Grpc.Net.Client;
using ServiceDefaults.Security;
using TestSupport;

namespace Deploy.Tests;

/// <summary>The whole platform (two inference nodes) started as the run command starts it.</summary>
public sealed class TwoNodePlatform : IAsyncLifetime
{
    public TwoNodePlatform()
    {
        // The services inherit the AppHost's environment: a quick health watcher, so losses and recoveries show in seconds.
        Environment.SetEnvironmentVariable("Deploy__HealthCheckSeconds", "1");
        Environment.SetEnvironmentVariable("Deploy__HealthFailureThreshold", "2");
        Platform = new PlatformFixture(inferenceNodes: 2);
    }

    public PlatformFixture Platform { get; }
    public Task InitializeAsync() => Platform.InitializeAsync();
    public Task DisposeAsync() => ((IAsyncLifetime)Platform).DisposeAsync();
}

/// <summary>
/// Rollouts through the real Registry, Compute and inference nodes: a deployment becomes Healthy on both nodes after a
/// warm-up, a second deployment of the same model reuses the package, an update to a new version switches replicas
/// while a client that follows the deployment's routing keeps getting answers, and deleting unloads everything.
/// </summary>
public sealed partial class RolloutIntegrationTests(TwoNodePlatform fixture) : IClassFixture<TwoNodePlatform>
{
    private const string TestData = "/usr/share/libonnx-testdata/data/node";
    private readonly HttpClient _admin = fixture.Platform.CreateAdminClient();
    // The fixture as the other parts of this class see it (a primary constructor's parameter is only in scope here).
    private readonly PlatformFixture _platform = fixture.Platform;
    // Calls straight to a node carry the platform credential, as the gateway's do.
    private readonly HttpClient Nodes = new(new PlatformCredentialHandler(fixture.Platform.NodeCredential()) { InnerHandler = new SocketsHttpHandler() })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private Task<int> RegisterAsync(string name, string onnxCase) => _admin.RegisterModelAsync(name, Path.Combine(TestData, onnxCase, "model.onnx"));

    private Task<JsonObject> PutAsync(string path, string json) => _admin.PutJsonAsync(path, json);

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
    private async Task<HttpStatusCode> ScoreAsync(JsonObject deployment, int turn)
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
        // The runtime as the nodes read it off their loaded ONNX Runtime, and the package keyed for that version.
        Assert.Equal("onnxruntime", (string?)blue["runtime"]!["name"]);
        Assert.Equal("1.32.0", (string?)blue["runtime"]!["version"]);
        Assert.Equal("CPU", (string?)blue["runtime"]!["executionProvider"]);
        Assert.Null(blue["runtime"]!["fallbackReason"]);
        Assert.All(blue["replicas"]!.AsArray(), r => Assert.Equal("1.32.0", (string?)r!["runtime"]!["version"]));
        Assert.Contains(blue["package"]!["hashInputs"]!.AsArray(), l => (string?)l == "runtime=onnxruntime-1.32.0");
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

        // A version that does not exist is refused at once, naming the field, and nothing is created.
        using (var broken = await _admin.PutAsync($"/api/v1/endpoints/{endpoint}/deployments/broken",
                   new StringContent($$"""{"model":"{{model}}:99","cpuCores":0.25,"memoryGb":0.25}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            Assert.Contains("\"model\"", await broken.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/broken")).StatusCode);

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
    /// <summary>
    /// After its rollout a deployment is watched: a node that stops answering leaves routing while the other replica
    /// serves; with the model also unloaded from the other node the deployment is Unhealthy, naming both and why; each
    /// replica comes back as it recovers, and every change is a new routing version and a line in the log.
    /// </summary>
    [Fact]
    public async Task HealthWatcherTakesAStoppedNodeOutOfRoutingAndTheReconcilerMovesItsInstancesAndReloadsALostModel()
    {
        var model = $"relu-{Guid.NewGuid():N}"[..16];
        var v1 = await RegisterAsync(model, "test_relu");
        var endpoint = $"hw-{Guid.NewGuid():N}"[..16];
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/watched",
            $$$"""{"model":"{{{model}}}:{{{v1}}}","instanceCount":2,"cpuCores":0.25,"memoryGb":0.25}""");
        var d = await WaitForAsync(endpoint, "watched", Settled, "the rollout");
        Assert.True((string?)d["state"] == "Healthy", d.ToJsonString());
        var nodeModel = (string)d["nodeModelName"]!;
        var replicas = d["replicas"]!.AsArray().Select(r => (Name: (string)r!["nodeName"]!, Grpc: (string)r["grpcAddress"]!)).OrderBy(r => r.Name).ToList();
        Assert.Equal(2, replicas.Count);
        var (first, second) = (replicas[0], replicas[1]);

        var resources = await fixture.Platform.GetResourcesAsync();
        var deploy = new DeployClient(fixture.Platform.ServiceChannel(resources["deploy"].Addresses[1]));
        async Task<(long Version, Contracts.Deploy.V1.DeploymentRoute Route)> RouteAsync()
        {
            var table = await deploy.GetRoutingTableAsync();
            return (table.Version, table.Endpoints.Single(e => e.Name == endpoint).Deployments.Single(x => x.Name == "watched"));
        }
        var (startVersion, route) = await RouteAsync();
        Assert.Equal(2, route.Replicas.Count);

        // A leftover of an older generation on the second node (as after a crash between a load and its undo): no
        // deployment wants it, and it is dropped when the node comes back after its lease expired.
        var secondNode = new InferenceNodeClient(GrpcChannel.ForAddress(second.Grpc), fixture.Platform.NodeCredential().AuthorizationHeader);
        var leftover = $"{endpoint}.watched.g0";
        await secondNode.LoadModelAsync(new LoadModelRequest { ModelName = leftover, Location = Path.Combine(TestData, "test_relu", "model.onnx") });

        var stopped = resources[second.Name].Pid;
        Signal("STOP", stopped);
        try
        {
            // The second node stops answering: it leaves routing, the deployment stays Healthy on the first.
            d = await WaitForAsync(endpoint, "watched", x => x["unreadyReplicas"]!.AsArray().Count == 1, "taking the stopped node out");
            Assert.Equal("Healthy", (string?)d["state"]);
            Assert.Equal(first.Name, (string?)Assert.Single(d["replicas"]!.AsArray())!["nodeName"]);
            var unready = d["unreadyReplicas"]![0]!;
            Assert.Equal(second.Name, (string?)unready["nodeName"]);
            Assert.Contains("did not answer", (string?)unready["reason"]);
            var (partialVersion, partial) = await RouteAsync();
            Assert.True(partialVersion > startVersion);
            Assert.Equal("Healthy", partial.State);
            Assert.Equal(first.Name, Assert.Single(partial.Replicas).NodeName);

            // Stopped for good: once Compute reports its lease expired, both instances move to the first node
            // (a new placement under a new node-local name), with no call from the user.
            d = await WaitForAsync(endpoint, "watched", x => (string?)x["nodeModelName"] != nodeModel && x["unreadyReplicas"]!.AsArray().Count == 0,
                "the instances of the stopped node placed anew");
            Assert.Equal("Healthy", (string?)d["state"]);
            Assert.Equal(first.Name, (string?)Assert.Single(d["replicas"]!.AsArray())!["nodeName"]);
            Assert.Equal(HttpStatusCode.OK, await ScoreAsync(d, 0));
            var movedModel = (string)d["nodeModelName"]!;
            // The routing table serves the new placement. (Not "a version above the partial one": on a loaded machine
            // the lease can expire before the partial table is read, and then both reads see the move.)
            var (movedVersion, moved) = await RouteAsync();
            Assert.True(movedVersion >= partialVersion);
            Assert.Equal(movedModel, moved.NodeModelName);
            Assert.Equal(first.Name, Assert.Single(moved.Replicas).NodeName);

            // The first node loses the model (as a restarted node would): the reconciler loads it again there.
            await new InferenceNodeClient(GrpcChannel.ForAddress(first.Grpc), fixture.Platform.NodeCredential().AuthorizationHeader).UnloadModelAsync(movedModel);
            await WaitForLogAsync(endpoint, "watched", $"loading {movedModel} again on {first.Name}");
            d = await WaitForAsync(endpoint, "watched", x => (string?)x["state"] == "Healthy" && x["replicas"]!.AsArray().Count == 1 && x["unreadyReplicas"]!.AsArray().Count == 0,
                "the reloaded replica back in routing");
            Assert.Equal(HttpStatusCode.OK, await ScoreAsync(d, 0));
        }
        finally
        {
            Signal("CONT", stopped);
        }

        // The stopped node comes back: Compute announces it on the bus and Deploy drops what no deployment wants there
        // (the leftover; the old placement's model goes too, by the retirement's unload it finally receives or by this).
        await WaitForLogAsync(endpoint, "watched", $"Dropped {leftover} from {second.Name}");
        var held = await secondNode.ListModelsAsync();
        Assert.DoesNotContain(held.Models, m => m.ModelName == leftover || m.ModelName == nodeModel);

        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/watched/logs?tail=300");
        Assert.Contains($"Replica on {second.Name} is not ready after", logs);
        Assert.Contains("heartbeat lease expired", logs);
        Assert.Contains("Repaired: ", logs);
        Assert.Contains("is not loaded on the node", logs);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
    }

    private async Task WaitForLogAsync(string endpoint, string deployment, string line)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string logs;
        while (!(logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}/logs?tail=300")).Contains(line))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{endpoint}/{deployment}: no log line with '{line}'\n{logs}");
            await Task.Delay(250);
        }
    }

    /// <summary>SIGSTOP / SIGCONT to an inference node's process (DCP starts every process in one group: not the group).</summary>
    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
