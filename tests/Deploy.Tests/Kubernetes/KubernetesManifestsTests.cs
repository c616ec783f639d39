using System.Text.Json.Nodes;
using Deploy.Service.Kubernetes;

namespace Deploy.Tests.Kubernetes;

/// <summary>The rendered Deployment, Service and HorizontalPodAutoscaler, checked against golden JSON of the fields that matter.</summary>
public sealed class KubernetesManifestsTests
{
    private const string Key = "3f2a9c0d5e7b8a1c4d6e9f0a2b3c5d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c";

    private const string ModelSha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static readonly KubernetesRenderSettings Settings = new("registry.example/platform/inference:1.2", 8000, 8001, 70);

    private static KubernetesWorkload Workload(int replicas = 2, int maxReplicas = 2, double cores = 1.5, int gpus = 0) => new(
        "fraud", "blue", "models", "fraud.blue", "fraud-model:3", Key,
        "http://registry.platform:5100/api/v1/models/fraud-model/versions/3/files/model.onnx", ModelSha256,
        replicas, maxReplicas, cores, 2, gpus, 8, 500);

    /// <summary>Every property of <paramref name="expected"/> is in <paramref name="actual"/> with the same value (arrays: same length, element-wise).</summary>
    private static void AssertSubset(JsonNode? expected, JsonNode? actual, string at = "$")
    {
        switch (expected)
        {
            case JsonObject e:
                var a = Assert.IsType<JsonObject>(actual, exactMatch: false);
                foreach (var (key, value) in e) AssertSubset(value, a[key], $"{at}.{key}");
                break;
            case JsonArray e:
                var array = Assert.IsType<JsonArray>(actual, exactMatch: false);
                Assert.True(e.Count == array.Count, $"{at}: {e.Count} elements expected, {array.Count} rendered: {array.ToJsonString()}");
                for (var i = 0; i < e.Count; i++) AssertSubset(e[i], array[i], $"{at}[{i}]");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{at}: expected {expected?.ToJsonString()}, rendered {actual?.ToJsonString()}");
                break;
        }
    }

    [Fact]
    public void Deployment_runs_the_inference_image_with_the_model_to_preload_its_ports_probe_and_resources()
    {
        var objects = KubernetesManifests.Render(Workload(), Settings);
        Assert.Equal("fraud-blue", objects.Name);
        Assert.Equal("/apis/apps/v1/namespaces/models/deployments/fraud-blue", objects.DeploymentPath);
        AssertSubset(JsonNode.Parse($$"""
            {
              "apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {
                "name": "fraud-blue", "namespace": "models",
                "labels": {
                  "platform.deploy/endpoint": "fraud", "platform.deploy/deployment": "blue",
                  "platform.deploy/package-key": "{{Key[..63]}}", "app.kubernetes.io/managed-by": "platform-deploy"
                },
                "annotations": { "platform.deploy/package-key": "{{Key}}", "platform.deploy/model": "fraud-model:3" }
              },
              "spec": {
                "replicas": 2,
                "selector": { "matchLabels": { "platform.deploy/endpoint": "fraud", "platform.deploy/deployment": "blue" } },
                "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxUnavailable": 0, "maxSurge": 1 } },
                "template": {
                  "metadata": { "labels": { "platform.deploy/endpoint": "fraud", "platform.deploy/deployment": "blue", "platform.deploy/package-key": "{{Key[..63]}}" } },
                  "spec": {
                    "containers": [{
                      "name": "inference",
                      "image": "registry.example/platform/inference:1.2",
                      "ports": [
                        { "name": "http", "containerPort": 8000, "protocol": "TCP" },
                        { "name": "grpc", "containerPort": 8001, "protocol": "TCP" }
                      ],
                      "env": [
                        { "name": "Inference__NodeName", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } },
                        { "name": "Platform__InternalKey", "valueFrom": { "secretKeyRef": { "name": "platform-internal-key", "key": "key" } } },
                        { "name": "Kestrel__Endpoints__http__Url", "value": "http://0.0.0.0:8000" },
                        { "name": "Kestrel__Endpoints__grpc__Url", "value": "http://0.0.0.0:8001" },
                        { "name": "Kestrel__Endpoints__grpc__Protocols", "value": "Http2" },
                        { "name": "Inference__Preload__0__Name", "value": "fraud.blue" },
                        { "name": "Inference__Preload__0__Version", "value": "fraud-model:3" },
                        { "name": "Inference__Preload__0__Location", "value": "http://registry.platform:5100/api/v1/models/fraud-model/versions/3/files/model.onnx" },
                        { "name": "Inference__Preload__0__Sha256", "value": "{{ModelSha256}}" },
                        { "name": "Inference__Preload__0__SendPlatformCredential", "value": "true" },
                        { "name": "Inference__Preload__0__PackageKey", "value": "{{Key}}" },
                        { "name": "Inference__Preload__0__Settings__IntraOpThreads", "value": "1" },
                        { "name": "Inference__Preload__0__Settings__MaxBatchSize", "value": "8" },
                        { "name": "Inference__Preload__0__Settings__MaxQueueDelayMicroseconds", "value": "500" },
                        { "name": "Inference__Preload__0__Settings__Gpus", "value": "0" }
                      ],
                      "resources": { "requests": { "cpu": "1500m", "memory": "2048Mi" }, "limits": { "memory": "2048Mi" } },
                      "readinessProbe": { "httpGet": { "path": "/v2/models/fraud.blue/ready", "port": "http" } },
                      "startupProbe": { "httpGet": { "path": "/alive", "port": "http" }, "periodSeconds": 10, "failureThreshold": 180 },
                      "livenessProbe": { "httpGet": { "path": "/alive", "port": "http" } }
                    }]
                  }
                }
              }
            }
            """), objects.Deployment);
        // The selector is immutable in Kubernetes: it must not carry what changes between generations.
        Assert.Null(objects.Deployment["spec"]!["selector"]!["matchLabels"]!["platform.deploy/package-key"]);
        Assert.False(objects.Deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!.AsObject().ContainsKey("nvidia.com/gpu"));
    }

    [Fact]
    public void Service_is_a_cluster_ip_in_front_of_the_pods_and_routing_gets_its_cluster_dns()
    {
        var objects = KubernetesManifests.Render(Workload(), Settings);
        Assert.Equal("/api/v1/namespaces/models/services/fraud-blue", objects.ServicePath);
        AssertSubset(JsonNode.Parse("""
            {
              "apiVersion": "v1", "kind": "Service",
              "metadata": { "name": "fraud-blue", "namespace": "models", "labels": { "platform.deploy/endpoint": "fraud", "platform.deploy/deployment": "blue" } },
              "spec": {
                "type": "ClusterIP",
                "selector": { "platform.deploy/endpoint": "fraud", "platform.deploy/deployment": "blue" },
                "ports": [
                  { "name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP" },
                  { "name": "grpc", "port": 8001, "targetPort": "grpc", "protocol": "TCP" }
                ]
              }
            }
            """), objects.Service);
        var replica = KubernetesManifests.Replica("aks-prod", objects, Settings);
        Assert.Equal("http://fraud-blue.models.svc.cluster.local:8000", replica.HttpAddress);
        Assert.Equal("http://fraud-blue.models.svc.cluster.local:8001", replica.GrpcAddress);
        Assert.True(KubernetesManifests.IsKubernetesReplica(replica));
        Assert.Equal("kubernetes/aks-prod/models/fraud-blue", replica.NodeName);
        Assert.Equal("aks-prod", KubernetesManifests.ComputeOf(replica));
        Assert.Null(KubernetesManifests.ComputeOf(new Deploy.Service.Apis.ReplicaResponse("inference-0", "http://127.0.0.1:1", "http://127.0.0.1:2")));
    }

    [Fact]
    public void Autoscaler_keeps_at_least_the_instance_count_and_scales_on_cpu()
    {
        var objects = KubernetesManifests.Render(Workload(replicas: 3, maxReplicas: 0), Settings);
        Assert.Equal("/apis/autoscaling/v2/namespaces/models/horizontalpodautoscalers/fraud-blue", objects.AutoscalerPath);
        AssertSubset(JsonNode.Parse("""
            {
              "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
              "metadata": { "name": "fraud-blue", "namespace": "models" },
              "spec": {
                "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "fraud-blue" },
                "minReplicas": 3, "maxReplicas": 3,
                "metrics": [{ "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 70 } } }]
              }
            }
            """), objects.Autoscaler);
        Assert.Equal(6, (int)KubernetesManifests.Render(Workload(replicas: 3, maxReplicas: 6), Settings).Autoscaler["spec"]!["maxReplicas"]!);
    }

    [Fact]
    public void With_scale_the_autoscaler_takes_its_bounds_and_the_deployment_starts_at_the_instance_count()
    {
        var objects = KubernetesManifests.Render(Workload(replicas: 2, maxReplicas: 5) with { MinReplicas = 1 }, Settings);
        AssertSubset(JsonNode.Parse("""{ "spec": { "replicas": 2 } }"""), objects.Deployment);
        AssertSubset(JsonNode.Parse("""
            {
              "kind": "HorizontalPodAutoscaler",
              "spec": {
                "scaleTargetRef": { "kind": "Deployment", "name": "fraud-blue" },
                "minReplicas": 1, "maxReplicas": 5,
                "metrics": [{ "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 70 } } }]
              }
            }
            """), objects.Autoscaler);
        Assert.Equal(2, objects.Replicas);
    }

    [Fact]
    public void Gpus_are_limits_threads_follow_the_cores_and_rendering_is_deterministic()
    {
        var first = KubernetesManifests.Render(Workload(cores: 4, gpus: 1), Settings);
        var container = first.Deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(1, (int)container["resources"]!["limits"]!["nvidia.com/gpu"]!);
        Assert.Equal("4000m", (string?)container["resources"]!["requests"]!["cpu"]);
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "Inference__Preload__0__Settings__IntraOpThreads" && (string?)e["value"] == "4");
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "Inference__Preload__0__Settings__Gpus" && (string?)e["value"] == "1");
        var again = KubernetesManifests.Render(Workload(cores: 4, gpus: 1), Settings);
        Assert.Equal(first.Deployment.ToJsonString(), again.Deployment.ToJsonString());
        Assert.Equal(first.Service.ToJsonString(), again.Service.ToJsonString());
        Assert.Equal(first.Autoscaler.ToJsonString(), again.Autoscaler.ToJsonString());
    }

    [Fact]
    public void Names_are_lower_case_dns_labels_and_long_pairs_are_cut_with_a_hash()
    {
        Assert.Equal("fraud-blue", KubernetesManifests.NameFor("Fraud", "Blue"));
        var endpoint = "e" + new string('x', 31);
        var a = KubernetesManifests.NameFor(endpoint, "d" + new string('y', 31));
        var b = KubernetesManifests.NameFor(endpoint, "d" + new string('y', 30) + "z");
        Assert.True(a.Length <= 63, a);
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", a);
        Assert.NotEqual(a, b);
    }
}
