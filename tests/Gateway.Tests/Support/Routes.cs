using Gateway.Service.Routing;

namespace Gateway.Tests.Support;

/// <summary>Builders for routing-table entries as Deploy would send them.</summary>
public static class Routes
{
    public static DeploymentRoute Deployment(string name, string state = "Healthy", params string[] nodes) => new(
        name, state, "model:1", $"{name}-model",
        [new TensorDescription("x", "FP32", [-1, 3])],
        [new TensorDescription("y", "FP32", [-1, 2])],
        (nodes.Length == 0 ? ["http://127.0.0.1:1"] : nodes).Select((n, i) => new ReplicaRoute($"node-{i}", new Uri(n), null)).ToList());

    public static EndpointRoute Endpoint(string name, IReadOnlyList<DeploymentRoute> deployments, string? defaultDeployment,
        Dictionary<string, int>? traffic = null, Dictionary<string, int>? mirror = null, AuthMode auth = AuthMode.Key, long maxBodyBytes = 0,
        long createdAtUnixMs = 0) =>
        new(name, auth, traffic ?? [], mirror ?? [], defaultDeployment, deployments, maxBodyBytes, createdAtUnixMs: createdAtUnixMs);
}

/// <summary>A clock the test moves by hand, for expiry checks without waiting.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
