using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Control;

/// <summary>Moves an endpoint's traffic between its database row and the pure <see cref="TrafficPlan"/>.</summary>
internal static class EndpointPlans
{
    public static TrafficPlan ToPlan(EndpointEntity endpoint, IEnumerable<DeploymentEntity> liveDeployments) => new(
        liveDeployments.OrderBy(d => d.CreatedAt).ThenBy(d => d.Name, StringComparer.Ordinal).Select(d => d.Name).ToList(),
        JsonText.Read<Dictionary<string, int>>(endpoint.TrafficJson),
        JsonText.Read<Dictionary<string, int>>(endpoint.MirrorJson),
        endpoint.DefaultDeployment,
        endpoint.ControlDeployment);

    public static void Apply(EndpointEntity endpoint, TrafficPlan plan)
    {
        endpoint.TrafficJson = JsonText.Write(plan.Traffic);
        endpoint.MirrorJson = JsonText.Write(plan.Mirror);
        endpoint.DefaultDeployment = plan.DefaultDeployment;
        endpoint.ControlDeployment = plan.ControlDeployment;
        endpoint.UpdatedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Deployments that count (those being deleted are already gone from the API and from routing).</summary>
    public static Task<List<DeploymentEntity>> LiveDeploymentsAsync(this DeployDbContext db, string endpoint, CancellationToken cancellationToken) =>
        db.Deployments.Where(d => d.EndpointName == endpoint && d.State != DeploymentStates.Deleting)
            .OrderBy(d => d.CreatedAt).ToListAsync(cancellationToken);
}
