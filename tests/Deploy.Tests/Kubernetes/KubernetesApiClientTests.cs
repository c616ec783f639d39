using ServiceDefaults.Security;
using System.Net;
using System.Text.Json.Nodes;
using Deploy.Service;
using Deploy.Service.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Deploy.Tests.Kubernetes;

/// <summary>
/// The API client and the kubernetes rollout steps against <see cref="FakeKubernetesApiServer"/>, a real HTTP server
/// standing in for a cluster's API server (no cluster runs here).
/// </summary>
public sealed class KubernetesApiClientTests : IAsyncLifetime
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.deploy-test.token-789";
    private FakeKubernetesApiServer _server = null!;
    private KubernetesApiClient _api = null!;
    private KubernetesRollout _rollout = null!;
    private ClusterConnection _connection = null!;

    private static readonly PlatformCredential Credential = new("k8s-tests-platform-credential");

    private static readonly KubernetesWorkload Workload = new(
        "fraud", "blue", "models", "fraud.blue", "fraud-model:3", "abc123", "http://registry:5100/api/v1/models/fraud-model/versions/3/files/model.onnx",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 2, 2, 1, 1, 0, 4, 0);

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync(Token);
        var options = Options.Create(new DeployOptions { KubernetesPollSeconds = 0.05, KubernetesRolloutTimeoutSeconds = 60, KubernetesApiTimeoutSeconds = 10 });
        _api = new KubernetesApiClient(options);
        _rollout = new KubernetesRollout(_api, Credential, options, new ConfigurationBuilder().Build());
        _connection = new ClusterConnection(_server.Address, "models", Token);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _server.DisposeAsync();
    }

    private KubernetesObjects Render(KubernetesWorkload? workload = null) => KubernetesManifests.Render(workload ?? Workload, _rollout.Settings);

    [Fact]
    public async Task Objects_are_server_side_applied_on_their_namespaced_paths_with_the_bearer_token()
    {
        var objects = Render();
        await _rollout.ApplyAsync(_connection, objects, CancellationToken.None);

        var requests = _server.Requests;
        Assert.Equal(
            ["/api/v1/namespaces/models/secrets/platform-internal-key", "/apis/apps/v1/namespaces/models/deployments/fraud-blue", "/api/v1/namespaces/models/services/fraud-blue",
             "/apis/autoscaling/v2/namespaces/models/horizontalpodautoscalers/fraud-blue"],
            requests.Select(r => r.Path));
        Assert.All(requests, r =>
        {
            Assert.Equal("PATCH", r.Method);
            Assert.StartsWith("application/apply-patch+yaml", r.ContentType);
            Assert.Equal("?fieldManager=platform-deploy&force=true", r.Query);
            Assert.Equal($"Bearer {Token}", r.Authorization);
        });
        // The pods read the platform credential from the Secret applied first: nodes demand it of every caller.
        var secret = JsonNode.Parse(requests[0].Body)!;
        Assert.Equal("Secret", (string?)secret["kind"]);
        Assert.Equal(Credential.Key, (string?)secret["stringData"]!["key"]);
        Assert.Contains(objects.Deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray(),
            e => (string?)e!["name"] == "Platform__InternalKey" && (string?)e["valueFrom"]!["secretKeyRef"]!["name"] == "platform-internal-key");
        // Sent as the typed V1Deployment the manifest reads as (KubernetesClient's own JSON of it: quantities canonical).
        var typed = JsonNode.Parse(KubernetesJson.Serialize(KubernetesJson.Deserialize<V1Deployment>(objects.Deployment.ToJsonString())));
        Assert.True(JsonNode.DeepEquals(typed, JsonNode.Parse(requests[1].Body)), requests[1].Body);
        Assert.Equal("inference", (string?)JsonNode.Parse(requests[1].Body)!["spec"]!["template"]!["spec"]!["containers"]![0]!["name"]);
        Assert.Equal("Deployment", (string?)_server.Object(objects.DeploymentPath)!["kind"]);
        Assert.Equal("HorizontalPodAutoscaler", (string?)_server.Object(objects.AutoscalerPath)!["kind"]);
        // The connection prints without its token, should it ever reach a log line.
        Assert.DoesNotContain("token-789", _connection.ToString());
    }

    [Fact]
    public async Task Waiting_ends_once_ready_replicas_reach_the_count_for_the_observed_generation()
    {
        var objects = Render();
        await _rollout.ApplyAsync(_connection, objects, CancellationToken.None);
        _server.ReadyReplicas = 1;
        _server.Observed = false;
        var waiting = _rollout.WaitUntilReadyAsync(_connection, objects, CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        _server.ReadyReplicas = 2;
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted); // ready pods of an older generation do not count
        _server.Observed = true;
        var status = await waiting;
        Assert.False(new DeploymentStatus(2, 2, 2, 2, 1, null).IsReady(2)); // old pods ready, one new pod: not yet
        // A surge pod of the new template exists but is not ready; the old pod's readiness must not count for it.
        Assert.False(new DeploymentStatus(2, 2, 1, 1, 1, null, PodReplicas: 2).IsReady(1));
        Assert.True(new DeploymentStatus(2, 2, 1, 1, 1, null, PodReplicas: 1).IsReady(1));
        Assert.Equal(2, status.ReadyReplicas);
        Assert.Equal(1, status.Generation);
        // Read once, then watched (not polled): the status changes arrive on the watch.
        Assert.Contains(_server.Requests, r => r.Method == "GET" && r.Query.Contains("watch=true") && r.Query.Contains("fieldSelector=metadata.name%3Dfraud-blue"));
        Assert.True(_server.Requests.Count(r => r.Method == "GET" && !r.Query.Contains("watch=true")) <= 2);
    }

    [Fact]
    public async Task Waiting_times_out_saying_how_many_replicas_were_ready()
    {
        var objects = Render();
        await _rollout.ApplyAsync(_connection, objects, CancellationToken.None);
        _server.ReadyReplicas = 1;
        var impatient = new KubernetesRollout(_api, Credential,
            Options.Create(new DeployOptions { KubernetesPollSeconds = 0.05, KubernetesRolloutTimeoutSeconds = 1 }), new ConfigurationBuilder().Build());
        var error = await Assert.ThrowsAsync<KubernetesRolloutTimeoutException>(() => impatient.WaitUntilReadyAsync(_connection, objects, CancellationToken.None));
        Assert.Contains("1 of 2 replica(s) ready", error.Message);
    }

    [Fact]
    public async Task A_refused_apply_carries_the_api_servers_status_message()
    {
        var objects = Render();
        _server.Fail("PATCH", objects.DeploymentPath, 403, "Forbidden",
            "deployments.apps \"fraud-blue\" is forbidden: User \"system:serviceaccount:models:deployer\" cannot patch resource \"deployments\"");
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => _rollout.ApplyAsync(_connection, objects, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("PATCH /apis/apps/v1/namespaces/models/deployments/fraud-blue answered 403", error.Message);
        Assert.Contains("cannot patch resource \"deployments\"", error.Message);

        var wrongToken = new ClusterConnection(_server.Address, "models", "not-the-token");
        var refused = await Assert.ThrowsAsync<KubernetesApiException>(() => _rollout.ApplyAsync(wrongToken, Render(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.DoesNotContain("not-the-token", refused.Message);
    }

    [Fact]
    public async Task Updating_re_applies_and_bumps_the_generation_and_deleting_removes_all_three_objects()
    {
        var objects = Render();
        await _rollout.ApplyAsync(_connection, objects, CancellationToken.None);
        await _rollout.ApplyAsync(_connection, Render(Workload with { ModelVersion = "fraud-model:4", PackageKey = "def456" }), CancellationToken.None);
        Assert.Equal(2L, (long)_server.Object(objects.DeploymentPath)!["metadata"]!["generation"]!);
        Assert.Equal("fraud-model:4", (string?)_server.Object(objects.DeploymentPath)!["metadata"]!["annotations"]!["platform.deploy/model"]);

        Assert.Equal(3, await _rollout.DeleteAsync(_connection, objects.Name, CancellationToken.None));
        // The credential's Secret is the namespace's, shared by every deployment there: it stays.
        Assert.Equal(["/api/v1/namespaces/models/secrets/platform-internal-key"], _server.ObjectPaths);
        Assert.Equal(3, _server.Requests.Count(r => r.Method == "DELETE"));
        // Deleting again: every object is already gone (404), which is fine.
        Assert.Equal(0, await _rollout.DeleteAsync(_connection, objects.Name, CancellationToken.None));
    }

    [Fact]
    public void The_model_url_is_the_registrys_file_download_under_the_configured_base()
    {
        var options = Options.Create(new DeployOptions { KubernetesModelBaseUrl = "https://gateway.example/" });
        var rollout = new KubernetesRollout(_api, Credential, options, new ConfigurationBuilder().Build());
        var model = new Contracts.Registry.V1.ModelVersion { Name = "fraud-model", Version = 3, ModelFile = "onnx/model v2.onnx" };
        Assert.Equal("https://gateway.example/api/v1/models/fraud-model/versions/3/files/onnx/model%20v2.onnx", rollout.ModelUrl(model));

        var fromServices = new KubernetesRollout(_api, Credential, Options.Create(new DeployOptions()),
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["services:registry:http:0"] = "http://127.0.0.1:5100" }).Build());
        Assert.StartsWith("http://127.0.0.1:5100/api/v1/models/", fromServices.ModelUrl(model));
        Assert.Throws<InvalidOperationException>(() => new KubernetesRollout(_api, Credential, Options.Create(new DeployOptions()),
            new ConfigurationBuilder().Build()).ModelUrl(model));
    }
}
