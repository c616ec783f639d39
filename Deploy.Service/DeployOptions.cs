using System.ComponentModel.DataAnnotations;

namespace Deploy.Service;

/// <summary>Settings of the deploy service (section "Deploy"); validated when the service starts.</summary>
public sealed class DeployOptions
{
    public const string Section = "Deploy";

    /// <summary>
    /// The gateway's public base URL, prefixed to scoringUri and swaggerUri (e.g. "http://127.0.0.1:8080").
    /// Empty: the URIs are relative to the gateway ("/endpoints/{name}/score").
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Folder of the platform's data ("DataRoot" at the top level when this is empty): packages live in {DataRoot}/packages.</summary>
    public string DataRoot { get; set; } = "";

    /// <summary>Read-only shared package caches looked up after the workspace cache (default: {DataRoot}/shared-packages).</summary>
    public List<string> SharedPackageCaches { get; set; } = [];

    /// <summary>Inference runtime version that packages are built for: part of the package key. Default: the version the nodes' package pins.</summary>
    [Required] public string RuntimeVersion { get; set; } = "onnxruntime-" + NodeRuntimeVersion;

    /// <summary>The ONNX Runtime version of Directory.Packages.props, written into this assembly at build time.</summary>
    public static string NodeRuntimeVersion { get; } = typeof(DeployOptions).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "OnnxRuntimeVersion")?.Value ?? "unknown";

    [Range(1, 1L << 31)] public long DefaultMaxBodyBytes { get; set; } = 16L << 20;

    /// <summary>After routing switches to new replicas, how long old ones keep serving before they are unloaded (gateways drain).</summary>
    [Range(0, 600)] public double DrainSeconds { get; set; } = 3;

    [Range(1, 3600)] public double NodeCallTimeoutSeconds { get; set; } = 120;

    /// <summary>How long a rollout waits for its environment's build (the registry builds once per content hash).</summary>
    [Range(1, 24 * 3600)] public double EnvironmentBuildWaitSeconds { get; set; } = 1800;

    /// <summary>How often the rollout worker looks for work it was not told about (after a restart, a lost wake-up).</summary>
    [Range(0.1, 3600)] public double RescanSeconds { get; set; } = 10;

    /// <summary>
    /// How often the health watcher probes the replicas of every serving deployment (the model ready on its node, the
    /// node alive per Compute's heartbeats). 0 turns the watcher off.
    /// </summary>
    [Range(0, 3600)] public double HealthCheckSeconds { get; set; } = 5;

    /// <summary>Failed probes in a row before a replica leaves routing: one missed probe never does.</summary>
    [Range(1, 1000)] public int HealthFailureThreshold { get; set; } = 2;

    /// <summary>How long one probe of a node may take before it counts as failed.</summary>
    [Range(0.1, 600)] public double HealthProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Whether the watcher repairs what it finds: reloads a model a restarted node lost, and places anew the instances
    /// of nodes Compute reports lost. Off, it only takes replicas out of routing.
    /// </summary>
    public bool RepairEnabled { get; set; } = true;

    /// <summary>Whether deployments with <c>scale</c> are scaled by their load (off: they keep their instance count).</summary>
    public bool AutoscaleEnabled { get; set; } = true;

    /// <summary>Wait before the first retry of a failed repair of a deployment; each further failure doubles it.</summary>
    [Range(0.1, 3600)] public double RepairBackoffSeconds { get; set; } = 2;

    /// <summary>The longest wait between repair attempts of one deployment.</summary>
    [Range(0.1, 3600)] public double RepairMaxBackoffSeconds { get; set; } = 30;

    // Kubernetes compute targets: what Deploy renders and applies there.

    /// <summary>The inference node image the rendered Deployments run.</summary>
    [Required] public string KubernetesInferenceImage { get; set; } = "platform/inference:latest";

    /// <summary>
    /// Base URL the pods download model files from: the registry's REST API
    /// (<c>{base}/api/v1/models/{name}/versions/{version}/files/{path}</c>) as the cluster reaches it. Empty: the
    /// registry's own address (<c>services:registry:http:0</c>), which only works where pods reach that address.
    /// </summary>
    public string KubernetesModelBaseUrl { get; set; } = "";

    /// <summary>Container and Service ports of the inference node's REST and gRPC endpoints.</summary>
    [Range(1, 65535)] public int KubernetesHttpPort { get; set; } = 8000;
    [Range(1, 65535)] public int KubernetesGrpcPort { get; set; } = 8001;

    /// <summary>The HorizontalPodAutoscaler's average CPU utilisation target, in percent of the requested cores.</summary>
    [Range(1, 100)] public int KubernetesCpuTargetPercent { get; set; } = 70;

    /// <summary>How long a rollout waits for the Deployment's pods to be ready before the deployment is Unhealthy.</summary>
    [Range(1, 7200)] public double KubernetesRolloutTimeoutSeconds { get; set; } = 600;

    /// <summary>While waiting for a Deployment's pods: how long after a watch broke off it is read and watched again.</summary>
    [Range(0.05, 60)] public double KubernetesPollSeconds { get; set; } = 2;

    /// <summary>Timeout of one call to an API server.</summary>
    [Range(1, 600)] public double KubernetesApiTimeoutSeconds { get; set; } = 30;
}
