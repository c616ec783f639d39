using Proto = Contracts.Deploy.V1;

namespace Gateway.Service.Routing;

/// <summary>Turns Deploy's <c>deploy.v1.RoutingTable</c> into the gateway's immutable snapshot.</summary>
public static class RoutingTableMapper
{
    public static RoutingSnapshot ToSnapshot(Proto.RoutingTable table) =>
        new(table.Version, table.Endpoints.Select(ToRoute));

    public static EndpointRoute ToRoute(Proto.EndpointRoute e) => new(
        e.Name,
        ParseAuthMode(e.AuthMode),
        e.Traffic.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        e.Mirror.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        e.DefaultDeployment,
        e.Deployments.Select(ToRoute).ToList(),
        e.MaxBodyBytes,
        e.Description,
        e.CreatedAtUnixMs);

    private static DeploymentRoute ToRoute(Proto.DeploymentRoute d) => new(
        d.Name,
        d.State,
        d.Model,
        d.NodeModelName,
        d.Inputs.Select(ToTensor).ToList(),
        d.Outputs.Select(ToTensor).ToList(),
        d.Replicas
            .Where(r => Uri.TryCreate(r.HttpAddress, UriKind.Absolute, out _))
            .Select(r => new ReplicaRoute(r.NodeName, new Uri(r.HttpAddress),
                Uri.TryCreate(r.GrpcAddress, UriKind.Absolute, out var grpc) ? grpc : null))
            .ToList(),
        string.IsNullOrEmpty(d.Error) ? null : d.Error,
        d.ScoringScript,
        string.IsNullOrEmpty(d.ScriptSchemaJson) ? null : d.ScriptSchemaJson);

    private static TensorDescription ToTensor(Proto.TensorInfo t) => new(t.Name, t.Datatype, t.Shape.ToArray());

    /// <summary>Unknown modes are treated as the strictest (token) rather than opening an endpoint by mistake.</summary>
    public static AuthMode ParseAuthMode(string mode) => mode.ToLowerInvariant() switch
    {
        "key" => AuthMode.Key,
        "none" => AuthMode.None,
        _ => AuthMode.Token,
    };
}
