using System.Collections.Frozen;
using Gateway.Service.Proxy;

namespace Gateway.Service.Routing;

/// <summary>
/// One immutable view of the routing table. The cache swaps whole snapshots, so a request that started on one
/// snapshot sees a consistent endpoint (its splitter, deployments and replicas) to the end, without locks.
/// </summary>
public sealed class RoutingSnapshot(long version, IEnumerable<EndpointRoute> endpoints)
{
    public static readonly RoutingSnapshot Empty = new(0, []);

    public long Version { get; } = version;

    public FrozenDictionary<string, EndpointRoute> Endpoints { get; } =
        endpoints.ToFrozenDictionary(e => e.Name, StringComparer.Ordinal);

    public EndpointRoute? Find(string endpoint) => Endpoints.GetValueOrDefault(endpoint);
}

public enum AuthMode { None, Key, Token }

public sealed class EndpointRoute
{
    public EndpointRoute(string name, AuthMode authMode, IReadOnlyDictionary<string, int> traffic, IReadOnlyDictionary<string, int> mirror,
        string? defaultDeployment, IReadOnlyList<DeploymentRoute> deployments, long maxBodyBytes = 0, string? description = null,
        long createdAtUnixMs = 0)
    {
        Name = name;
        TokenAudience = TokenAudienceFor(name, createdAtUnixMs);
        AuthMode = authMode;
        Traffic = traffic;
        Mirror = mirror;
        DefaultDeployment = string.IsNullOrEmpty(defaultDeployment) ? null : defaultDeployment;
        Deployments = deployments.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);
        MaxBodyBytes = maxBodyBytes;
        Description = description;
        Splitter = TrafficSplitter.Create(this);
        Mirrors = mirror
            .Where(m => m.Value > 0 && Deployments.TryGetValue(m.Key, out var d) && d.IsHealthy)
            .Select(m => new MirrorTarget(Deployments[m.Key], m.Value))
            .ToArray();
    }

    public string Name { get; }

    /// <summary>The audience of this endpoint's tokens: its name and creation time, so tokens die with the endpoint.</summary>
    public string TokenAudience { get; }

    public static string TokenAudienceFor(string name, long createdAtUnixMs) => $"{name}@{createdAtUnixMs}";

    public AuthMode AuthMode { get; }
    public IReadOnlyDictionary<string, int> Traffic { get; }
    public IReadOnlyDictionary<string, int> Mirror { get; }
    public string? DefaultDeployment { get; }
    public FrozenDictionary<string, DeploymentRoute> Deployments { get; }
    /// <summary>0 means "use the gateway's default limit".</summary>
    public long MaxBodyBytes { get; }
    public string? Description { get; }
    public TrafficSplitter Splitter { get; }
    public IReadOnlyList<MirrorTarget> Mirrors { get; }

    public bool HasHealthyDeployment => Deployments.Values.Any(d => d.IsHealthy);

    /// <summary>The deployment whose inputs and outputs describe the endpoint: the default, else any Healthy one, else any.</summary>
    public DeploymentRoute? DescribingDeployment =>
        (DefaultDeployment is { } d && Deployments.TryGetValue(d, out var def) ? def : null)
        ?? Deployments.Values.OrderBy(x => x.Name, StringComparer.Ordinal).FirstOrDefault(x => x.IsHealthy)
        ?? Deployments.Values.OrderBy(x => x.Name, StringComparer.Ordinal).FirstOrDefault();
}

public sealed record MirrorTarget(DeploymentRoute Deployment, int Percent);

public sealed class DeploymentRoute
{
    public const string HealthyState = "Healthy";

    // Built once per snapshot so the hot path neither parses nor formats a URI per request.
    private readonly Uri[] _scoreUris;
    private readonly Uri[] _inferUris;

    public DeploymentRoute(string name, string state, string model, string nodeModelName,
        IReadOnlyList<TensorDescription> inputs, IReadOnlyList<TensorDescription> outputs, IReadOnlyList<ReplicaRoute> replicas, string? error = null,
        bool isScript = false, string? scriptSchemaJson = null)
    {
        IsScript = isScript;
        ScriptSchemaJson = scriptSchemaJson;
        Name = name;
        State = state;
        Model = model;
        NodeModelName = nodeModelName;
        Inputs = inputs;
        Outputs = outputs;
        Replicas = replicas;
        Error = error;
        GrpcReplicas = replicas.Where(r => r.GrpcAddress is not null).ToArray();
        _scoreUris = replicas.Select(r => new Uri(r.HttpAddress, NodeRoutes.PathFor(NodeRoute.Score, nodeModelName))).ToArray();
        _inferUris = replicas.Select(r => new Uri(r.HttpAddress, NodeRoutes.PathFor(NodeRoute.V2Infer, nodeModelName))).ToArray();
    }

    public string Name { get; }
    public string State { get; }
    public string Model { get; }
    public string NodeModelName { get; }
    public IReadOnlyList<TensorDescription> Inputs { get; }
    public IReadOnlyList<TensorDescription> Outputs { get; }
    public IReadOnlyList<ReplicaRoute> Replicas { get; }
    public string? Error { get; }
    /// <summary>Served by a scoring script: /score passes the request through to run() and its headers back.</summary>
    public bool IsScript { get; }
    /// <summary>The script's inference_schema samples (JSON), when it declares them.</summary>
    public string? ScriptSchemaJson { get; }

    /// <summary>The replicas that expose a gRPC address, for the KServe gRPC path.</summary>
    public IReadOnlyList<ReplicaRoute> GrpcReplicas { get; }

    /// <summary>Only Healthy deployments with at least one replica take traffic: a half-rolled-out one is never routed to.</summary>
    public bool IsHealthy => State == HealthyState && Replicas.Count > 0;

    /// <summary>The node URL a request for <paramref name="route"/> goes to on <paramref name="replica"/> (one of <see cref="Replicas"/>).</summary>
    public Uri NodeUri(ReplicaRoute replica, NodeRoute route)
    {
        var uris = route == NodeRoute.Score ? _scoreUris : _inferUris;
        for (var i = 0; i < uris.Length; i++)
        {
            if (ReferenceEquals(Replicas[i], replica)) return uris[i];
        }
        return new Uri(replica.HttpAddress, NodeRoutes.PathFor(route, NodeModelName));
    }
}

public sealed record TensorDescription(string Name, string Datatype, IReadOnlyList<long> Shape);

public sealed record ReplicaRoute(string NodeName, Uri HttpAddress, Uri? GrpcAddress);
