using Contracts.Clients;
using Contracts.Node.V1;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Reconcile;
using Deploy.Service.Rollout;
using Deploy.Service.Routing;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ComputeNode = Contracts.Compute.V1.Node;
using ServiceDefaults.Security;

namespace Deploy.Service.Health;

/// <summary>
/// Watches the replicas of every serving deployment after its rollout: every <see cref="DeployOptions.HealthCheckSeconds"/>
/// it asks each inference node which models it has ready (node.v1 ListModels, the control service the rollout loads
/// through) and Compute which nodes still send heartbeats. <see cref="ReplicaHealth"/> decides what a round changes;
/// a change is stored with a new routing version under the endpoint's lock (as a rollout's switch is), published as
/// RoutingChanged (and DeploymentStateChanged when the state moves) and written to the deployment's log. The same
/// probes give each deployment's requests in flight, which the <see cref="Autoscale.Autoscaler"/> scales by.
/// </summary>
public sealed class ReplicaHealthWatcher(
    IServiceScopeFactory scopes,
    DeploymentLog log,
    RepairQueue repairs,
    Autoscale.Autoscaler autoscaler,
    PlatformCredential credential,
    IOptions<DeployOptions> options,
    ILogger<ReplicaHealthWatcher> logger) : BackgroundService
{
    // (deployment, node-local model name, node) → failed probes in a row. Only the watcher's loop touches it.
    private readonly Dictionary<(Guid, string, string), int> _failures = new();
    // Released by Wake: a round runs now instead of at the end of the interval.
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Runs the next round at once (Compute announced a node registered or lost).</summary>
    public void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { /* a round is already due */ }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.HealthCheckSeconds <= 0) return;
        var interval = TimeSpan.FromSeconds(options.Value.HealthCheckSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(interval, stoppingToken);
                try
                {
                    await CheckOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "A round of replica health checks failed; the next round tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: probe every node once, decide per deployment, store and publish what changed.</summary>
    public async Task CheckOnceAsync(CancellationToken ct)
    {
        List<DeploymentEntity> watched;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
            watched = await db.Deployments.AsNoTracking()
                .Where(d => d.NodeModelName != null && d.State != DeploymentStates.Deleting)
                .ToListAsync(ct);
        }
        if (watched.Count == 0)
        {
            _failures.Clear();
            return;
        }

        // A kubernetes Service is not probed here: Kubernetes' readiness probes take unready pods out of it.
        var replicas = watched.ToDictionary(d => d.Id, d => JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson)
            .Where(r => !Kubernetes.KubernetesManifests.IsKubernetesReplica(r)).ToList());
        var nodes = replicas.Values.SelectMany(r => r).Select(r => r.GrpcAddress).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var probes = await Task.WhenAll(nodes.Select(address => ProbeNodeAsync(address, ct)));
        var byAddress = nodes.Zip(probes).ToDictionary(p => p.First, p => p.Second, StringComparer.OrdinalIgnoreCase);
        var heartbeats = await ReadComputesAsync(watched.Select(d => d.Compute).Distinct().ToList(), ct);

        var now = DateTimeOffset.UtcNow;
        var seen = new HashSet<(Guid, string, string)>();
        foreach (var d in watched)
        {
            var round = new Dictionary<string, ReplicaProbe>();
            var reload = new List<string>();
            var lost = new List<string>();
            var reasons = new List<string>();
            foreach (var replica in replicas[d.Id])
            {
                var (failure, loss) = Failure(d, replica, byAddress[replica.GrpcAddress], heartbeats);
                var key = (d.Id, d.NodeModelName!, replica.NodeName);
                seen.Add(key);
                var count = failure is null ? 0 : _failures.GetValueOrDefault(key) + 1;
                // Compute's verdict that the node is lost already stands for several missed heartbeats: act on it now.
                if (loss == ReplicaLoss.NodeLost) count = Math.Max(count, options.Value.HealthFailureThreshold);
                if (count == 0) _failures.Remove(key);
                else _failures[key] = count;
                round[replica.NodeName] = new ReplicaProbe(failure, count);
                if (count < options.Value.HealthFailureThreshold || loss == ReplicaLoss.None) continue;
                (loss == ReplicaLoss.NodeLost ? lost : reload).Add(replica.NodeName);
                reasons.Add($"{replica.NodeName}: {failure}");
            }
            if (ReplicaHealth.Decide(d, round, options.Value.HealthFailureThreshold, now) is { } change)
                await ApplyAsync(d, change, now, ct);
            // What the replicas lack is repaired once the rollout is done (a rollout in flight places its own replicas).
            if (options.Value.RepairEnabled && reasons.Count > 0 && d.Generation == d.RolledOutGeneration)
                repairs.Request(d.Id, new RepairOrder(d.NodeModelName!, reload, lost, string.Join("; ", reasons)));
            // The load the autoscaler goes by: requests queued and computing for the model on every replica that answered.
            var load = replicas[d.Id].Sum(r => byAddress[r.GrpcAddress].Models?.GetValueOrDefault(d.NodeModelName!) is { } status ? status.Queued + status.InFlight : 0);
            await autoscaler.ObserveAsync(d, load, now, ct);
        }
        foreach (var stale in _failures.Keys.Where(k => !seen.Contains(k)).ToList()) _failures.Remove(stale);
    }

    private sealed record NodeProbe(IReadOnlyDictionary<string, ModelStatus>? Models, string? Failure);

    private async Task<NodeProbe> ProbeNodeAsync(string grpcAddress, CancellationToken ct)
    {
        try
        {
            var node = new InferenceNodeClient(GrpcChannels.ForAddress(grpcAddress), credential.AuthorizationHeader);
            var deadline = DateTime.UtcNow.AddSeconds(options.Value.HealthProbeTimeoutSeconds);
            var response = await node.ListModelsAsync(new CallOptions(deadline: deadline, cancellationToken: ct));
            return new NodeProbe(response.Models.GroupBy(m => m.ModelName).ToDictionary(g => g.Key, g => g.Last()), null);
        }
        catch (RpcException ex)
        {
            return new NodeProbe(null, $"the node did not answer the control probe ({ex.StatusCode}{(string.IsNullOrEmpty(ex.Status.Detail) ? "" : ": " + ex.Status.Detail)})");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return new NodeProbe(null, $"the node did not answer the control probe ({ex.Message})");
        }
    }

    /// <summary>Compute's view of the nodes, per compute it could read (compute name → node name → node). A compute it cannot read gives no verdict.</summary>
    private async Task<Dictionary<string, Dictionary<string, ComputeNode>>> ReadComputesAsync(IReadOnlyList<string> computes, CancellationToken ct)
    {
        var result = new Dictionary<string, Dictionary<string, ComputeNode>>();
        await using var scope = scopes.CreateAsyncScope();
        ComputeClient client;
        try
        {
            client = scope.ServiceProvider.GetRequiredService<ComputeClient>();
        }
        catch (InvalidOperationException ex)
        {
            logger.LogDebug(ex, "Compute is not configured: replica health goes by the nodes' own answers only");
            return result;
        }
        foreach (var compute in computes)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.HealthProbeTimeoutSeconds));
                var target = await client.GetComputeAsync(compute, timeout.Token);
                result[compute] = target.Nodes.GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.Last());
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogDebug(ex, "Reading compute {Compute} failed: its nodes' heartbeats are not checked this round", compute);
            }
        }
        return result;
    }

    /// <summary>What a failed replica lacks, as far as a repair goes.</summary>
    private enum ReplicaLoss
    {
        /// <summary>Ready, or failing for a reason a repair cannot mend (a node that does not answer yet holds its lease).</summary>
        None,
        /// <summary>The node answers but does not hold the model: it restarted (or the model was unloaded).</summary>
        ModelMissing,
        /// <summary>Compute reports the node's heartbeat lease expired, or no longer lists it.</summary>
        NodeLost,
    }

    /// <summary>Why a replica is not ready this round (null when it is) and what it lacks.</summary>
    private static (string? Failure, ReplicaLoss Loss) Failure(DeploymentEntity d, ReplicaResponse replica, NodeProbe probe,
        IReadOnlyDictionary<string, Dictionary<string, ComputeNode>> computes)
    {
        var model = d.NodeModelName!;
        // Compute's verdict first: a node whose lease expired may still answer, but its capacity is no longer counted.
        string? lost = null;
        if (computes.TryGetValue(d.Compute, out var nodes))
        {
            if (!nodes.TryGetValue(replica.NodeName, out var node)) lost = $"compute '{d.Compute}' no longer lists the node";
            else if (node.State != DeploymentStates.Healthy)
            {
                var last = node.LastHeartbeatUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(node.LastHeartbeatUnixMs).ToString("u") : "never";
                lost = $"compute '{d.Compute}' reports the node {node.State}: heartbeat lease expired (last heartbeat {last})";
            }
        }
        if (probe.Failure is not null) return (lost is null ? probe.Failure : $"{probe.Failure}; {lost}", lost is null ? ReplicaLoss.None : ReplicaLoss.NodeLost);
        if (!probe.Models!.TryGetValue(model, out var status))
            return ($"model {model} is not loaded on the node (it has {probe.Models.Count} other model(s); was it restarted or the model unloaded?)",
                lost is null ? ReplicaLoss.ModelMissing : ReplicaLoss.NodeLost);
        if (status.State != ModelState.Ready)
            return ($"model {model} is {status.State.ToString().ToUpperInvariant()} on the node{(string.IsNullOrEmpty(status.Error) ? "" : ": " + status.Error)}",
                lost is null ? ReplicaLoss.None : ReplicaLoss.NodeLost);
        return lost is null ? (null, ReplicaLoss.None) : (lost, ReplicaLoss.NodeLost);
    }

    private async Task ApplyAsync(DeploymentEntity probed, HealthChange change, DateTimeOffset now, CancellationToken ct)
    {
        var version = 0L;
        if (change.RoutingChanged)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
            version = await db.InTransactionAsync(async tx =>
            {
                await db.LockEndpointAsync(probed.EndpointName, tx);
                var current = await db.Deployments.SingleOrDefaultAsync(x => x.Id == probed.Id, tx);
                // Changed since it was read (a rollout switched, a user deleted it, …): the next round decides afresh.
                if (current is null || current.NodeModelName != probed.NodeModelName || current.ReplicasJson != probed.ReplicasJson
                    || current.UnreadyReplicasJson != probed.UnreadyReplicasJson || current.State != probed.State || current.Error != probed.Error)
                    return 0L;
                current.UnreadyReplicasJson = JsonText.Write(change.Unready);
                current.State = change.State;
                current.Error = change.Error;
                current.UpdatedAt = now;
                await db.SaveChangesAsync(tx);
                if (change.State != probed.State) events.StateChanged(probed.EndpointName, probed.Name, change.State, change.Error);
                return await events.RoutingChangedAsync(probed.EndpointName, tx);
            }, ct);
            if (version == 0) return;
            events.Committed();
        }
        for (var i = 0; i < change.Log.Count; i++)
        {
            var (level, message) = change.Log[i];
            var last = i == change.Log.Count - 1;
            await log.WriteAsync(probed.EndpointName, probed.Name, level, message + (last && version > 0 ? $" (routing version {version})" : ""), ct);
        }
    }
}
