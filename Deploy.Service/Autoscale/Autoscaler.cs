using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Autoscale;

/// <summary>
/// Keeps each autoscaled deployment's desired instance count by its load, and has the rollout worker bring the
/// placement to it. The health watcher calls <see cref="ObserveAsync"/> every round with the requests in flight over
/// the deployment's routed replicas (queued and computing, as each node's control service reports for the model:
/// the nodes see every gateway's and every direct caller's requests, and the watcher reads them anyway).
/// <see cref="Autoscaling"/> decides; a change is stored as the deployment's desired count and last scaling and
/// written to its log; whenever the replicas hold another count than the desired one, a scale is queued (one per
/// deployment, never beside a rollout or repair of it, with a backoff after a failure such as no capacity).
/// </summary>
public sealed class Autoscaler(IServiceScopeFactory scopes, RolloutQueue queue, DeploymentLog log, IOptions<DeployOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(Guid, int), ScaleWindow> _windows = new();
    private readonly DeploymentWorkQueue<ScaleOrder> _scales = new(queue, options);

    /// <summary>One round's observation of a serving deployment: decide, store a change, and queue the scale it needs.</summary>
    public async Task ObserveAsync(DeploymentEntity d, double load, DateTimeOffset now, CancellationToken ct)
    {
        if (ResponseMapping.ScaleOf(d) is not { } settings || !options.Value.AutoscaleEnabled) return;
        // A rollout places its own replicas; an Unhealthy deployment is the repairs' business first.
        if (d.Generation != d.RolledOutGeneration || d.State != DeploymentStates.Healthy || d.ReservationId is null) return;
        if (JsonText.Read<List<Apis.ReplicaResponse>>(d.ReplicasJson).Any(Kubernetes.KubernetesManifests.IsKubernetesReplica)) return;

        ScaleWindow window;
        lock (_gate)
        {
            if (!_windows.TryGetValue((d.Id, d.Generation), out window!)) _windows[(d.Id, d.Generation)] = window = new ScaleWindow();
        }
        var desired = ResponseMapping.DesiredInstances(d);
        if (Autoscaling.Decide(settings, desired, load, now, window) is { } decision && await StoreAsync(d, decision, now, ct))
        {
            desired = decision.To;
            await log.WriteAsync(d.EndpointName, d.Name, "info", $"Autoscale: {decision.From} → {decision.To} instance(s): {decision.Reason}", ct);
        }
        if (ResponseMapping.PlacedInstances(d) != desired) Request(d.Id);
    }

    /// <summary>Stores a decision unless the deployment changed since it was read (the next round decides afresh).</summary>
    private async Task<bool> StoreAsync(DeploymentEntity d, ScaleDecision decision, DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var scaling = JsonText.Write(new Apis.ScalingResponse(now, decision.From, decision.To, decision.Reason));
        var rows = await db.Deployments
            .Where(x => x.Id == d.Id && x.Generation == d.Generation && x.DesiredInstances == d.DesiredInstances && x.State != DeploymentStates.Deleting)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.DesiredInstances, decision.To).SetProperty(x => x.LastScalingJson, scaling)
                .SetProperty(x => x.UpdatedAt, now), ct);
        return rows > 0;
    }

    /// <summary>Queues a scale of the deployment; false when one is pending, running or backing off.</summary>
    public bool Request(Guid deploymentId) => _scales.Request(deploymentId, ScaleOrder.Instance);

    /// <summary>Whether a scale of the deployment is pending; if so it is in flight until <see cref="Done"/>.</summary>
    public bool Take(Guid deploymentId) => _scales.Take(deploymentId) is not null;

    /// <summary>Ends a scale: success clears the backoff; failure doubles it (the repair's backoff settings) and returns it.</summary>
    public TimeSpan Done(Guid deploymentId, bool succeeded) => _scales.Done(deploymentId, succeeded);

    /// <summary>Whether a scale of the deployment is pending or running (it may be loading on a node right now).</summary>
    public bool IsBusy(Guid deploymentId) => _scales.IsBusy(deploymentId);

    /// <summary>A deployment deleted or rolled out anew: its window, pending scale and backoff no longer apply.</summary>
    public void Forget(Guid deploymentId)
    {
        _scales.Forget(deploymentId);
        lock (_gate)
        {
            foreach (var key in _windows.Keys.Where(k => k.Item1 == deploymentId).ToList()) _windows.Remove(key);
        }
    }
}

/// <summary>A scale carries no order of its own: the deployment's desired count, read when it runs, says what to do.</summary>
public sealed class ScaleOrder
{
    public static readonly ScaleOrder Instance = new();

    private ScaleOrder()
    {
    }
}
