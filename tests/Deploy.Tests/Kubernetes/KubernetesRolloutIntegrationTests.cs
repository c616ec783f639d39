using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Contracts.Clients;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;

namespace Deploy.Tests.Kubernetes;

/// <summary>
/// The whole platform (one local inference node, which these tests leave alone: the AppHost does not report a
/// platform without inference nodes ready) and a kubernetes compute attached to
/// <see cref="FakeKubernetesApiServer"/> (standing in for a cluster: nothing runs pods here).
/// </summary>
public sealed class KubernetesPlatform : IAsyncLifetime
{
    public const string Token = "eyJhbGciOiJSUzI1NiJ9.platform-deployer.k8s-secret-42";
    public const string ModelBaseUrl = "http://registry.platform.example:5100";

    public KubernetesPlatform()
    {
        // The services inherit the AppHost's environment.
        Environment.SetEnvironmentVariable("Deploy__KubernetesModelBaseUrl", ModelBaseUrl);
        Environment.SetEnvironmentVariable("Deploy__KubernetesPollSeconds", "0.2");
        // Short enough for a test to watch a rollout time out; the other tests make pods ready within a second or two.
        Environment.SetEnvironmentVariable("Deploy__KubernetesRolloutTimeoutSeconds", "15");
        Environment.SetEnvironmentVariable("Deploy__KubernetesInferenceImage", "registry.example/platform/inference:test");
        Platform = new PlatformFixture(inferenceNodes: 1);
    }

    public PlatformFixture Platform { get; }
    public FakeKubernetesApiServer Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await FakeKubernetesApiServer.StartAsync(Token);
        await Platform.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Platform).DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Rollouts to a kubernetes compute through the real Registry, Compute and Deploy: the rendered objects are applied
/// with the compute's token, the deployment turns Healthy once the (fake) API server reports ready replicas and routes
/// to the Service's cluster DNS, an update re-applies, a refused apply fails with the API server's message, and
/// deleting removes the objects.
/// </summary>
public sealed class KubernetesRolloutIntegrationTests(KubernetesPlatform fixture) : IClassFixture<KubernetesPlatform>
{
    private const string TestData = "/usr/share/libonnx-testdata/data/node";
    private readonly HttpClient _admin = fixture.Platform.CreateAdminClient();
    private FakeKubernetesApiServer Cluster => fixture.Cluster;

    private Task<int> RegisterAsync(string name, string onnxCase) => _admin.RegisterModelAsync(name, Path.Combine(TestData, onnxCase, "model.onnx"));

    private Task<JsonObject> PutAsync(string path, string json) => _admin.PutJsonAsync(path, json);

    private async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, Func<Task<string>>? explain = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        T current;
        while (!done(current = await read()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} did not happen; last {current}\n{(explain is null ? "" : await explain())}");
            await Task.Delay(200);
        }
        return current;
    }

    private Task<JsonObject> WaitForDeploymentAsync(string endpoint, string deployment, Func<JsonObject, bool> done, string what) =>
        WaitForAsync(async () => (await _admin.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/{deployment}"))!, done,
            $"{endpoint}/{deployment}: {what}", () => _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}/logs?tail=40"));

    private async Task<string> AttachAsync()
    {
        var compute = $"aks-{Guid.NewGuid():N}"[..12];
        await PutAsync($"/api/v1/computes/{compute}", $$$"""
            {"type":"kubernetes","purpose":"DevTest","vmSize":"Standard_D3_v2","agentCount":2,
             "kubernetes":{"apiServer":"{{{Cluster.Address}}}","namespace":"models","token":"{{{KubernetesPlatform.Token}}}"}}
            """);
        var attached = await WaitForAsync(async () => (await _admin.GetFromJsonAsync<JsonObject>($"/api/v1/computes/{compute}"))!,
            c => (string?)c["provisioningState"] != "Creating", $"attaching {compute}");
        Assert.True((string?)attached["provisioningState"] == "Succeeded", attached.ToJsonString());
        return compute;
    }

    [Fact]
    public async Task A_deployment_is_applied_becomes_healthy_on_ready_replicas_routes_to_the_service_updates_and_is_deleted()
    {
        var compute = await AttachAsync();
        var model = $"relu-{Guid.NewGuid():N}"[..16];
        var version = await RegisterAsync(model, "test_relu");
        var endpoint = $"k8s-{Guid.NewGuid():N}"[..16];
        var name = $"{endpoint}-blue";
        var deploymentPath = $"/apis/apps/v1/namespaces/models/deployments/{name}";
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");

        // No pod is ready yet: the objects are applied and the deployment waits.
        Cluster.ReadyReplicas = 0;
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""{"model":"{{{model}}}:{{{version}}}","compute":"{{{compute}}}","instanceCount":2,"cpuCores":0.5,"memoryGb":0.5,"batching":{"maxBatchSize":4}}""");
        await WaitForAsync(() => Task.FromResult(Cluster.ObjectPaths.Count(p => p.EndsWith("/" + name))), n => n == 3, "applying the three objects");
        var applies = Cluster.Requests.Where(r => r.Method == "PATCH" && r.Path.EndsWith("/" + name)).ToList();
        Assert.Equal(
            [deploymentPath, $"/api/v1/namespaces/models/services/{name}", $"/apis/autoscaling/v2/namespaces/models/horizontalpodautoscalers/{name}"],
            applies.Select(r => r.Path));
        Assert.All(applies, r =>
        {
            Assert.Equal($"Bearer {KubernetesPlatform.Token}", r.Authorization);
            Assert.StartsWith("application/apply-patch+yaml", r.ContentType);
            Assert.Equal("?fieldManager=platform-deploy&force=true", r.Query);
        });
        var applied = Cluster.Object(deploymentPath)!;
        var container = applied["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(2, (int)applied["spec"]!["replicas"]!);
        Assert.Equal("registry.example/platform/inference:test", (string?)container["image"]);
        string? Env(JsonNode c, string key) => (string?)c["env"]!.AsArray().Single(e => (string?)e!["name"] == key)!["value"];
        Assert.Equal($"{endpoint}.blue", Env(container, "Inference__Preload__0__Name"));
        Assert.Equal($"{KubernetesPlatform.ModelBaseUrl}/api/v1/models/{model}/versions/{version}/files/model.onnx", Env(container, "Inference__Preload__0__Location"));
        Assert.Equal("4", Env(container, "Inference__Preload__0__Settings__MaxBatchSize"));
        Assert.Equal($"/v2/models/{endpoint}.blue/ready", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        var waiting = (await _admin.GetFromJsonAsync<JsonObject>($"/api/v1/endpoints/{endpoint}/deployments/blue"))!;
        Assert.NotEqual("Healthy", (string?)waiting["state"]);
        Assert.Empty(waiting["replicas"]!.AsArray());

        // The API server reports the pods ready: Healthy, routed to the Service's cluster DNS.
        Cluster.ReadyReplicas = null;
        var blue = await WaitForDeploymentAsync(endpoint, "blue", d => (string?)d["state"] is "Healthy" or "Failed" or "Unhealthy", "the rollout");
        Assert.True((string?)blue["state"] == "Healthy", blue.ToJsonString());
        var replica = Assert.Single(blue["replicas"]!.AsArray())!;
        Assert.Equal($"http://{name}.models.svc.cluster.local:8000", (string?)replica["httpAddress"]);
        Assert.Equal($"http://{name}.models.svc.cluster.local:8001", (string?)replica["grpcAddress"]);
        Assert.Equal($"{endpoint}.blue", (string?)blue["nodeModelName"]);
        Assert.Equal($"{model}:{version}", (string?)blue["servingModel"]);

        var resources = await fixture.Platform.GetResourcesAsync();
        var table = await new DeployClient(fixture.Platform.ServiceChannel(resources["deploy"].Addresses[1])).GetRoutingTableAsync();
        var route = table.Endpoints.Single(e => e.Name == endpoint).Deployments.Single(x => x.Name == "blue");
        Assert.Equal($"http://{name}.models.svc.cluster.local:8000", Assert.Single(route.Replicas).HttpAddress);

        // Readiness came from a watch of the Deployment, not from polling it.
        Assert.Contains(Cluster.Requests, r => r.Method == "GET" && r.Query.Contains("watch=true") && r.Path == "/apis/apps/v1/namespaces/models/deployments");

        // An update re-applies: Kubernetes rolls the pods. With scale, the autoscaler gets its bounds (3 is the start).
        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            $$$"""{"model":"{{{model}}}:{{{version}}}","compute":"{{{compute}}}","instanceCount":3,"cpuCores":0.5,"memoryGb":0.5,"batching":{"maxBatchSize":4},"scale":{"minInstances":2,"maxInstances":6}}""");
        await WaitForAsync(() => Task.FromResult(Cluster.Object(deploymentPath)), d => (int?)d?["spec"]!["replicas"] == 3, "re-applying with 3 replicas");
        Assert.Equal(2L, (long)Cluster.Object(deploymentPath)!["metadata"]!["generation"]!);
        blue = await WaitForDeploymentAsync(endpoint, "blue", d => (string?)d["state"] == "Healthy" && Cluster.Requests.Count(r => r.Method == "PATCH" && r.Path == deploymentPath) == 2, "the update");
        // The autoscaler is applied after the Deployment: by the time the update is Healthy it has scale's bounds.
        var hpa = Cluster.Object($"/apis/autoscaling/v2/namespaces/models/horizontalpodautoscalers/{name}")!;
        Assert.Equal(2, (int)hpa["spec"]!["minReplicas"]!);
        Assert.Equal(6, (int)hpa["spec"]!["maxReplicas"]!);
        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/blue/logs?tail=100");
        Assert.Contains($"Applied {name}", logs);
        Assert.Contains("3 of 3 replica(s) ready", logs);
        Assert.DoesNotContain("k8s-secret-42", logs);

        // Deleting removes the Deployment, Service and autoscaler.
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
        await WaitForAsync(() => Task.FromResult(Cluster.ObjectPaths.Count(p => p.EndsWith("/" + name))), n => n == 0, "deleting the objects");
        Assert.Equal(3, Cluster.Requests.Count(r => r.Method == "DELETE" && r.Path.EndsWith("/" + name)));
    }

    [Fact]
    public async Task A_refused_apply_fails_the_deployment_with_the_api_servers_message()
    {
        var compute = await AttachAsync();
        var model = $"abs-{Guid.NewGuid():N}"[..16];
        var version = await RegisterAsync(model, "test_abs");
        var endpoint = $"k8f-{Guid.NewGuid():N}"[..16];
        var name = $"{endpoint}-red";
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");
        Cluster.Fail("PATCH", $"/api/v1/namespaces/models/services/{name}", 403, "Forbidden",
            $"services \"{name}\" is forbidden: User \"system:serviceaccount:models:deployer\" cannot patch resource \"services\" in API group \"\" in the namespace \"models\"");

        await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/red",
            $$$"""{"model":"{{{model}}}:{{{version}}}","compute":"{{{compute}}}","instanceCount":1,"cpuCores":0.5,"memoryGb":0.5}""");
        var red = await WaitForDeploymentAsync(endpoint, "red", d => (string?)d["state"] is "Healthy" or "Failed" or "Unhealthy", "the failing rollout");
        Assert.Equal("Failed", (string?)red["state"]);
        var error = (string)red["error"]!;
        Assert.Contains("403", error);
        Assert.Contains("cannot patch resource \"services\"", error);
        Assert.Empty(red["replicas"]!.AsArray());
        var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/red/logs?tail=100");
        Assert.Contains("cannot patch resource \"services\"", logs);
        // A first rollout that failed leaves nothing on the cluster.
        await WaitForAsync(() => Task.FromResult(Cluster.ObjectPaths.Count(p => p.EndsWith("/" + name))), n => n == 0, "cleaning up the failed rollout");
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
    }

    [Fact]
    public async Task Pods_that_never_become_ready_make_the_deployment_unhealthy_with_how_far_it_got()
    {
        var compute = await AttachAsync();
        var model = $"slow-{Guid.NewGuid():N}"[..16];
        var version = await RegisterAsync(model, "test_relu");
        var endpoint = $"k8t-{Guid.NewGuid():N}"[..16];
        var name = $"{endpoint}-slow";
        await PutAsync($"/api/v1/endpoints/{endpoint}", """{"authMode":"key"}""");
        Cluster.ReadyReplicas = 1;
        try
        {
            await PutAsync($"/api/v1/endpoints/{endpoint}/deployments/slow",
                $$$"""{"model":"{{{model}}}:{{{version}}}","compute":"{{{compute}}}","instanceCount":2,"cpuCores":0.5,"memoryGb":0.5}""");
            var slow = await WaitForDeploymentAsync(endpoint, "slow", d => (string?)d["state"] is "Healthy" or "Failed" or "Unhealthy", "the rollout timing out");
            Assert.Equal("Unhealthy", (string?)slow["state"]);
            Assert.Contains($"Deployment {name} did not become ready within 15 s: 1 of 2 replica(s) ready", (string?)slow["error"]);
            Assert.Empty(slow["replicas"]!.AsArray());
            var logs = await _admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/slow/logs?tail=100");
            Assert.Contains("did not become ready within 15 s", logs);
        }
        finally
        {
            Cluster.ReadyReplicas = null;
        }
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/endpoints/{endpoint}")).StatusCode);
        await WaitForAsync(() => Task.FromResult(Cluster.ObjectPaths.Count(p => p.EndsWith("/" + name))), n => n == 0, "deleting the objects");
    }
}
