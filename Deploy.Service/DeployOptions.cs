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

    /// <summary>Inference runtime version that packages are built for: part of the package key.</summary>
    [Required] public string RuntimeVersion { get; set; } = "onnxruntime-1.30.0";

    [Range(1, 1L << 31)] public long DefaultMaxBodyBytes { get; set; } = 16L << 20;

    /// <summary>After routing switches to new replicas, how long old ones keep serving before they are unloaded (gateways drain).</summary>
    [Range(0, 600)] public double DrainSeconds { get; set; } = 3;

    [Range(1, 3600)] public double NodeCallTimeoutSeconds { get; set; } = 120;

    /// <summary>How often the rollout worker looks for work it was not told about (after a restart, a lost wake-up).</summary>
    [Range(0.1, 3600)] public double RescanSeconds { get; set; } = 10;
}
