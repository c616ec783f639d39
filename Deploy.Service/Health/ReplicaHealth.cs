using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;

namespace Deploy.Service.Health;

/// <summary>One replica's probe in one round: why it is not ready (null when it is) and how many rounds in a row it failed.</summary>
public sealed record ReplicaProbe(string? Failure, int ConsecutiveFailures);

/// <summary>What one round of probes changes for a deployment: the replicas out of routing, its state and error, and the log lines.</summary>
public sealed record HealthChange(
    IReadOnlyList<UnreadyReplicaResponse> Unready,
    string State,
    string? Error,
    bool RoutingChanged,
    IReadOnlyList<(string Level, string Message)> Log);

/// <summary>
/// The health watcher's rules, kept apart from its probing so they read (and test) on their own:
/// a replica leaves routing only after <c>threshold</c> failed probes in a row, and comes back on the first good one;
/// a deployment with no ready replica is Unhealthy with a reason naming each replica and what failed; it is Healthy
/// again as soon as one replica is ready. Only Healthy and Unhealthy deployments change state: one being rolled out
/// (or whose update failed while the old replicas serve) only has its routed replicas filtered.
/// </summary>
public static class ReplicaHealth
{
    // The watcher's own reason for Unhealthy starts with this: it only ever rewrites or clears an error it wrote, never
    // a rollout's (a failed update's reason must survive a node blip).
    private const string NoReadyReplica = "No ready replica: ";

    private static bool SetByWatcher(string? error) => error?.StartsWith(NoReadyReplica, StringComparison.Ordinal) == true;

    /// <summary>The replicas routed now: the serving ones less those the watcher took out.</summary>
    public static List<ReplicaResponse> Routed(DeploymentEntity d)
    {
        var replicas = JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson);
        var unready = JsonText.Read<List<UnreadyReplicaResponse>>(d.UnreadyReplicasJson);
        return unready.Count == 0 ? replicas : replicas.Where(r => unready.All(u => u.NodeName != r.NodeName)).ToList();
    }

    /// <summary>Applies one round of probes (node name → probe; a replica not probed keeps its status). Null when nothing changes.</summary>
    public static HealthChange? Decide(DeploymentEntity d, IReadOnlyDictionary<string, ReplicaProbe> probes, int threshold, DateTimeOffset now)
    {
        var replicas = JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson);
        var before = JsonText.Read<List<UnreadyReplicaResponse>>(d.UnreadyReplicasJson)
            .Where(u => replicas.Any(r => r.NodeName == u.NodeName)).ToList();
        var after = new List<UnreadyReplicaResponse>();
        var log = new List<(string, string)>();
        var model = d.NodeModelName;

        foreach (var replica in replicas)
        {
            var was = before.FirstOrDefault(u => u.NodeName == replica.NodeName);
            if (!probes.TryGetValue(replica.NodeName, out var probe))
            {
                if (was is not null) after.Add(was);
                continue;
            }
            if (probe.Failure is null)
            {
                if (was is not null) log.Add(("info", $"Replica on {replica.NodeName} is ready again ({model}); back in routing"));
            }
            else if (was is not null)
            {
                after.Add(was);
            }
            else if (probe.ConsecutiveFailures >= threshold)
            {
                after.Add(new UnreadyReplicaResponse(replica.NodeName, replica.HttpAddress, replica.GrpcAddress, probe.Failure, now));
                log.Add(("warn", $"Replica on {replica.NodeName} is not ready after {probe.ConsecutiveFailures} failed probes in a row: {probe.Failure}; taken out of routing"));
            }
            else if (probe.ConsecutiveFailures == 1)
            {
                log.Add(("info", $"Probe of the replica on {replica.NodeName} failed (1 of {threshold} before it leaves routing): {probe.Failure}"));
            }
        }

        var membershipChanged = !before.Select(u => u.NodeName).Order().SequenceEqual(after.Select(u => u.NodeName).Order());
        var ready = replicas.Where(r => after.All(u => u.NodeName != r.NodeName)).Select(r => r.NodeName).ToList();
        var state = d.State;
        var error = d.Error;
        if (replicas.Count > 0 && ready.Count == 0)
        {
            var reason = $"{NoReadyReplica}{string.Join("; ", after.Select(u => $"{u.NodeName}: {u.Reason}"))}";
            if (d.State == DeploymentStates.Healthy || (d.State == DeploymentStates.Unhealthy && membershipChanged && SetByWatcher(d.Error)))
            {
                state = DeploymentStates.Unhealthy;
                error = reason;
                log.Add(("error", $"{reason}. The deployment is Unhealthy and takes no traffic until a replica is ready again"));
            }
            else if (membershipChanged)
            {
                log.Add(("error", $"{reason}. The deployment takes no traffic until a replica is ready again"));
            }
        }
        else if (membershipChanged)
        {
            if (d.State == DeploymentStates.Unhealthy && SetByWatcher(d.Error) && before.Count > 0 && before.Count == replicas.Count)
            {
                state = DeploymentStates.Healthy;
                error = null;
                log.Add(("info", $"Healthy again: serving on {string.Join(", ", ready)}"));
            }
            else if (after.Count > 0)
            {
                log.Add(("info", $"Serving on {string.Join(", ", ready)}; not ready: {string.Join(", ", after.Select(u => u.NodeName))}"));
            }
            else
            {
                log.Add(("info", $"Serving on every replica again ({string.Join(", ", ready)})"));
            }
        }

        var routingChanged = membershipChanged || state != d.State || error != d.Error;
        if (!routingChanged && log.Count == 0) return null;
        return new HealthChange(after, state, error, routingChanged, log);
    }
}
