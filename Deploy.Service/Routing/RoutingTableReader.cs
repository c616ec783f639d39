using Contracts.Deploy.V1;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Health;
using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Routing;

/// <summary>
/// Builds the routing table the gateway serves from. Read in one repeatable-read snapshot, so the version and the
/// rows always belong together: a gateway holding version N has exactly what N means.
/// </summary>
public sealed class RoutingTableReader(DeployDbContext db)
{
    public Task<RoutingTable> ReadAsync(string? onlyEndpoint, CancellationToken cancellationToken) =>
        db.InSnapshotAsync(async ct =>
        {
            var version = await db.RoutingStates.AsNoTracking().Where(r => r.Id == 1).Select(r => r.Version).SingleAsync(ct);
            var endpoints = await db.Endpoints.AsNoTracking()
                .Where(e => e.ProvisioningState != "Deleting" && (onlyEndpoint == null || e.Name == onlyEndpoint))
                .OrderBy(e => e.Name).ToListAsync(ct);
            var deployments = (await db.Deployments.AsNoTracking()
                    .Where(d => d.State != DeploymentStates.Deleting && (onlyEndpoint == null || d.EndpointName == onlyEndpoint))
                    .ToListAsync(ct))
                .ToLookup(d => d.EndpointName);

            var table = new RoutingTable { Version = version };
            foreach (var endpoint in endpoints) table.Endpoints.Add(ToRoute(endpoint, deployments[endpoint.Name].ToList(), version));
            return table;
        }, cancellationToken);

    private static EndpointRoute ToRoute(EndpointEntity endpoint, List<DeploymentEntity> deployments, long version)
    {
        var plan = EndpointPlans.ToPlan(endpoint, deployments);
        var route = new EndpointRoute
        {
            Name = endpoint.Name,
            AuthMode = endpoint.AuthMode,
            CreatedAtUnixMs = endpoint.CreatedAt.ToUnixTimeMilliseconds(),
            DefaultDeployment = plan.DefaultDeployment ?? "",
            ControlDeployment = plan.ControlDeployment ?? "",
            MaxBodyBytes = endpoint.MaxBodyBytes,
            Version = version,
            Description = endpoint.Description ?? "",
        };
        foreach (var (name, percent) in plan.EffectiveTraffic) route.Traffic[name] = percent;
        foreach (var (name, percent) in plan.Mirror) route.Mirror[name] = percent;
        foreach (var d in deployments.OrderBy(d => d.CreatedAt)) route.Deployments.Add(ToRoute(d, plan));
        return route;
    }

    /// <summary>
    /// A deployment is routable ("Healthy" here) exactly when it has serving replicas: during an update the old
    /// replicas keep serving, and a failed update leaves them serving, so the gateway never sees a half-made state.
    /// Replicas the health watcher found not ready are left out; with none left the deployment is not routable.
    /// </summary>
    private static DeploymentRoute ToRoute(DeploymentEntity d, TrafficPlan plan)
    {
        var replicas = ReplicaHealth.Routed(d);
        var route = new DeploymentRoute
        {
            Name = d.Name,
            State = replicas.Count > 0 && d.NodeModelName is not null ? DeploymentStates.Healthy : d.State,
            Model = d.ServingModel ?? d.Model,
            NodeModelName = d.NodeModelName ?? "",
            IsDefault = plan.DefaultDeployment == d.Name,
            IsControl = plan.ControlDeployment == d.Name,
            Error = d.Error ?? "",
            ScoringScript = d.EntryScript is not null,
            ScriptSchemaJson = d.ScriptSchemaJson ?? "",
        };
        route.Inputs.Add(JsonText.Read<List<TensorResponse>>(d.InputsJson).Select(ToTensor));
        route.Outputs.Add(JsonText.Read<List<TensorResponse>>(d.OutputsJson).Select(ToTensor));
        route.Replicas.Add(replicas.Select(r => new Replica { NodeName = r.NodeName, HttpAddress = r.HttpAddress, GrpcAddress = r.GrpcAddress }));
        return route;
    }

    private static TensorInfo ToTensor(TensorResponse t)
    {
        var info = new TensorInfo { Name = t.Name, Datatype = t.Datatype };
        info.Shape.Add(t.Shape);
        return info;
    }
}
