using Aspire.Hosting.Eventing;
using Aspire.Hosting.Lifecycle;

namespace AppHost;

/// <summary>
/// Gives the dashboard's telemetry HTTP API our key (kept in <c>{data}/dashboard-api-key</c>, so scripts and tests
/// can read it) instead of one Aspire makes up per run. The dashboard resource exists once Aspire's own BeforeStart
/// handler ran; subscribers registered after Aspire's run after it.
/// </summary>
internal sealed class DashboardApiKey : IDistributedApplicationEventingSubscriber
{
    public Task SubscribeAsync(IDistributedApplicationEventing eventing, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            foreach (var dashboard in e.Model.Resources.Where(r => r.Name == "aspire-dashboard"))
                dashboard.Annotations.Add(new EnvironmentCallbackAnnotation(env => env["DASHBOARD__API__PRIMARYAPIKEY"] = PlatformBuilder.DashboardApiKey));
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }
}
