using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Service.Apis;

namespace Deploy.Service.Kubernetes;

/// <summary>What one deployment asks of a cluster: the model to serve, where the pods download it, size and batching.</summary>
public sealed record KubernetesWorkload(
    string Endpoint,
    string Deployment,
    string Namespace,
    string ServedModelName,
    string ModelVersion,
    string PackageKey,
    string ModelUrl,
    string ModelSha256,
    int Replicas,
    int MaxReplicas,
    double CpuCores,
    double MemoryGb,
    int Gpus,
    int MaxBatchSize,
    long MaxQueueDelayMicroseconds,
    // The autoscaler's floor when the deployment has scale (Replicas is then the start); null: Replicas.
    int? MinReplicas = null);

/// <summary>Settings shared by every rendered workload (from <see cref="DeployOptions"/>).</summary>
public sealed record KubernetesRenderSettings(string Image, int HttpPort, int GrpcPort, int CpuTargetPercent);

/// <summary>The three objects of one deployment, all named <see cref="Name"/> in <see cref="Namespace"/>.</summary>
public sealed record KubernetesObjects(string Name, string Namespace, int Replicas, JsonObject Deployment, JsonObject Service, JsonObject Autoscaler)
{
    public string DeploymentPath => KubernetesManifests.DeploymentPath(Namespace, Name);
    public string ServicePath => KubernetesManifests.ServicePath(Namespace, Name);
    public string AutoscalerPath => KubernetesManifests.AutoscalerPath(Namespace, Name);
}

/// <summary>
/// Renders a deployment as an <c>apps/v1 Deployment</c> of the inference image (the node preloads the model at start,
/// see Inference.Service's <c>Inference:Preload</c>), a ClusterIP <c>v1 Service</c> in front of it and an
/// <c>autoscaling/v2 HorizontalPodAutoscaler</c>. A pure function: same input, same JSON.
/// </summary>
public static class KubernetesManifests
{
    /// <summary>Startup probe failures allowed, every 10 s: 30 minutes to download and load a model.</summary>
    public const int StartupProbeFailures = 180;

    public const string ManagedBy = "platform-deploy";
    public const string EndpointLabel = "platform.deploy/endpoint";
    public const string DeploymentLabel = "platform.deploy/deployment";
    public const string PackageKeyLabel = "platform.deploy/package-key";
    public const string PackageKeyAnnotation = "platform.deploy/package-key";
    public const string ModelAnnotation = "platform.deploy/model";

    /// <summary>Replica names in routing tables that stand for a Kubernetes Service rather than a node of ours.</summary>
    public const string ReplicaPrefix = "kubernetes/";

    public static bool IsKubernetesReplica(ReplicaResponse replica) => replica.NodeName.StartsWith(ReplicaPrefix, StringComparison.Ordinal);

    /// <summary>The compute a kubernetes replica runs on ("kubernetes/{compute}/{namespace}/{name}"), or null for a node of ours.</summary>
    public static string? ComputeOf(ReplicaResponse replica) =>
        IsKubernetesReplica(replica) && replica.NodeName.Split('/') is [_, var compute, _, _] ? compute : null;

    /// <summary>
    /// The objects' name: "{endpoint}-{deployment}" in lower case (a DNS label, as Service names must be); over 63
    /// characters it is cut and a hash of the full pair keeps it unique.
    /// </summary>
    public static string NameFor(string endpoint, string deployment)
    {
        var name = $"{endpoint}-{deployment}".ToLowerInvariant();
        if (name.Length <= 63) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{endpoint}/{deployment}")))[..8];
        return $"{name[..54].TrimEnd('-')}-{hash}";
    }

    public static string DeploymentPath(string ns, string name) => $"/apis/apps/v1/namespaces/{ns}/deployments/{name}";
    public static string ServicePath(string ns, string name) => $"/api/v1/namespaces/{ns}/services/{name}";
    public static string SecretPath(string ns, string name) => $"/api/v1/namespaces/{ns}/secrets/{name}";

    /// <summary>The Secret holding the platform credential in a namespace: the inference pods demand it of every caller.</summary>
    public const string CredentialSecret = "platform-internal-key";

    public static JsonObject CredentialSecretObject(string ns, string key) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject
        {
            ["name"] = CredentialSecret,
            ["namespace"] = ns,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = ManagedBy },
        },
        ["type"] = "Opaque",
        ["stringData"] = new JsonObject { ["key"] = key },
    };

    public static string AutoscalerPath(string ns, string name) => $"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}";

    /// <summary>The Service's cluster DNS name with a port: what the routing table holds for a kubernetes deployment.</summary>
    public static string ServiceAddress(string ns, string name, int port) => $"http://{name}.{ns}.svc.cluster.local:{port}";

    public static ReplicaResponse Replica(string compute, KubernetesObjects objects, KubernetesRenderSettings settings) => new(
        $"{ReplicaPrefix}{compute}/{objects.Namespace}/{objects.Name}",
        ServiceAddress(objects.Namespace, objects.Name, settings.HttpPort),
        ServiceAddress(objects.Namespace, objects.Name, settings.GrpcPort));

    public static KubernetesObjects Render(KubernetesWorkload w, KubernetesRenderSettings s)
    {
        var name = NameFor(w.Endpoint, w.Deployment);
        var replicas = Math.Max(1, w.Replicas);
        var minReplicas = Math.Clamp(w.MinReplicas ?? replicas, 1, replicas);
        var maxReplicas = Math.Max(replicas, w.MaxReplicas);

        JsonObject Selector() => new()
        {
            [EndpointLabel] = w.Endpoint,
            [DeploymentLabel] = w.Deployment,
        };
        JsonObject Labels()
        {
            var labels = Selector();
            labels["app.kubernetes.io/name"] = "inference";
            labels["app.kubernetes.io/managed-by"] = ManagedBy;
            // Label values hold at most 63 characters; the annotation keeps the whole key.
            labels[PackageKeyLabel] = w.PackageKey.Length <= 63 ? w.PackageKey : w.PackageKey[..63];
            return labels;
        }
        JsonObject Metadata() => new()
        {
            ["name"] = name,
            ["namespace"] = w.Namespace,
            ["labels"] = Labels(),
            ["annotations"] = new JsonObject { [PackageKeyAnnotation] = w.PackageKey, [ModelAnnotation] = w.ModelVersion },
        };

        var threads = Math.Max(1, (int)Math.Floor(w.CpuCores));
        var env = new JsonArray
        {
            Env("Inference__NodeName", fieldPath: "metadata.name"),
            new JsonObject
            {
                ["name"] = "Platform__InternalKey",
                ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = CredentialSecret, ["key"] = "key" } },
            },
            Env("Kestrel__Endpoints__http__Url", $"http://0.0.0.0:{s.HttpPort}"),
            Env("Kestrel__Endpoints__grpc__Url", $"http://0.0.0.0:{s.GrpcPort}"),
            Env("Kestrel__Endpoints__grpc__Protocols", "Http2"),
            Env("Inference__Preload__0__Name", w.ServedModelName),
            Env("Inference__Preload__0__Version", w.ModelVersion),
            Env("Inference__Preload__0__Location", w.ModelUrl),
            Env("Inference__Preload__0__Sha256", w.ModelSha256),
            // The location is the registry's download, which answers only the platform credential.
            Env("Inference__Preload__0__SendPlatformCredential", "true"),
            Env("Inference__Preload__0__PackageKey", w.PackageKey),
            Env("Inference__Preload__0__Settings__IntraOpThreads", Invariant(threads)),
            Env("Inference__Preload__0__Settings__MaxBatchSize", Invariant(w.MaxBatchSize)),
            Env("Inference__Preload__0__Settings__MaxQueueDelayMicroseconds", Invariant(w.MaxQueueDelayMicroseconds)),
            Env("Inference__Preload__0__Settings__Gpus", Invariant(w.Gpus)),
        };

        var requests = new JsonObject { ["cpu"] = Millicores(w.CpuCores), ["memory"] = Mebibytes(w.MemoryGb) };
        var limits = new JsonObject { ["memory"] = Mebibytes(w.MemoryGb) };
        if (w.Gpus > 0) limits["nvidia.com/gpu"] = w.Gpus;

        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = Metadata(),
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = Selector() },
                ["strategy"] = new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    // Old pods serve until new ones are ready: an update never lowers the ready count.
                    ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 0, ["maxSurge"] = 1 },
                },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["labels"] = Labels(),
                        ["annotations"] = new JsonObject { [PackageKeyAnnotation] = w.PackageKey, [ModelAnnotation] = w.ModelVersion },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray
                        {
                            new JsonObject
                            {
                                ["name"] = "inference",
                                ["image"] = s.Image,
                                ["ports"] = new JsonArray
                                {
                                    new JsonObject { ["name"] = "http", ["containerPort"] = s.HttpPort, ["protocol"] = "TCP" },
                                    new JsonObject { ["name"] = "grpc", ["containerPort"] = s.GrpcPort, ["protocol"] = "TCP" },
                                },
                                ["env"] = env,
                                ["resources"] = new JsonObject { ["requests"] = requests, ["limits"] = limits },
                                ["readinessProbe"] = new JsonObject
                                {
                                    ["httpGet"] = new JsonObject { ["path"] = $"/v2/models/{w.ServedModelName}/ready", ["port"] = "http" },
                                    ["periodSeconds"] = 5,
                                    ["failureThreshold"] = 3,
                                },
                                // The node preloads its model before it listens (download and session creation can
                                // take minutes for a large model): liveness is only judged once it has started,
                                // instead of restarting a pod that is still loading (and downloading again).
                                ["startupProbe"] = new JsonObject
                                {
                                    ["httpGet"] = new JsonObject { ["path"] = "/alive", ["port"] = "http" },
                                    ["periodSeconds"] = 10,
                                    ["failureThreshold"] = StartupProbeFailures,
                                },
                                ["livenessProbe"] = new JsonObject
                                {
                                    ["httpGet"] = new JsonObject { ["path"] = "/alive", ["port"] = "http" },
                                    ["periodSeconds"] = 10,
                                },
                            },
                        },
                    },
                },
            },
        };

        var service = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = Metadata(),
            ["spec"] = new JsonObject
            {
                ["type"] = "ClusterIP",
                ["selector"] = Selector(),
                ["ports"] = new JsonArray
                {
                    new JsonObject { ["name"] = "http", ["port"] = s.HttpPort, ["targetPort"] = "http", ["protocol"] = "TCP", ["appProtocol"] = "http" },
                    new JsonObject { ["name"] = "grpc", ["port"] = s.GrpcPort, ["targetPort"] = "grpc", ["protocol"] = "TCP", ["appProtocol"] = "kubernetes.io/h2c" },
                },
            },
        };

        var autoscaler = new JsonObject
        {
            ["apiVersion"] = "autoscaling/v2",
            ["kind"] = "HorizontalPodAutoscaler",
            ["metadata"] = Metadata(),
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
                ["minReplicas"] = minReplicas,
                ["maxReplicas"] = maxReplicas,
                ["metrics"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["type"] = "Resource",
                        ["resource"] = new JsonObject
                        {
                            ["name"] = "cpu",
                            ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = s.CpuTargetPercent },
                        },
                    },
                },
            },
        };

        return new KubernetesObjects(name, w.Namespace, replicas, deployment, service, autoscaler);
    }

    private static JsonObject Env(string name, string? value = null, string? fieldPath = null) => fieldPath is null
        ? new JsonObject { ["name"] = name, ["value"] = value }
        : new JsonObject { ["name"] = name, ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = fieldPath } } };

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Millicores(double cores) => $"{Math.Max(1, (long)Math.Round(cores * 1000)).ToString(CultureInfo.InvariantCulture)}m";

    private static string Mebibytes(double gb) => $"{Math.Max(1, (long)Math.Round(gb * 1024)).ToString(CultureInfo.InvariantCulture)}Mi";
}
