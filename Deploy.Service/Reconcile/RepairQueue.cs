using Deploy.Service.Rollout;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Reconcile;

/// <summary>
/// What the health watcher found a serving deployment to need: its model reloaded on nodes that answer but no longer
/// hold it (they restarted), and/or its instances placed anew because nodes they were on are lost (Compute reports
/// their heartbeat lease expired, or no longer lists them: after a platform restart nodes come back under new names).
/// </summary>
public sealed record RepairOrder(string NodeModelName, IReadOnlyList<string> ReloadOn, IReadOnlyList<string> LostNodes, string Reason)
{
    public bool Replace => LostNodes.Count > 0;
}

/// <summary>
/// Repairs asked for and not yet carried out, one per deployment, with a backoff per deployment: a repair that failed
/// (no capacity anywhere, a node refusing the load) is asked again only after 2, 4, 8 … seconds (at most
/// <see cref="DeployOptions.RepairMaxBackoffSeconds"/>), so a deployment that cannot be repaired does not hammer the
/// nodes, and one that can is repaired at the next watcher round. The rollout worker carries a repair out (never at
/// the same time as a rollout of the same deployment).
/// </summary>
public sealed class RepairQueue(RolloutQueue queue, IOptions<DeployOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RepairOrder> _pending = new();
    private readonly HashSet<Guid> _inFlight = new();
    private readonly Dictionary<Guid, (int Failures, DateTimeOffset NotBefore)> _backoff = new();

    /// <summary>Asks for a repair; false when one is pending, running, or backing off (the watcher asks again next round).</summary>
    public bool Request(Guid deploymentId, RepairOrder order)
    {
        lock (_gate)
        {
            if (_inFlight.Contains(deploymentId)) return false;
            if (_backoff.TryGetValue(deploymentId, out var b) && b.NotBefore > DateTimeOffset.UtcNow) return false;
            var fresh = !_pending.ContainsKey(deploymentId);
            _pending[deploymentId] = order;
            if (!fresh) return false;
        }
        queue.Enqueue(deploymentId);
        return true;
    }

    /// <summary>The pending repair of a deployment, now in flight until <see cref="Done"/>; null when none is pending.</summary>
    public RepairOrder? Take(Guid deploymentId)
    {
        lock (_gate)
        {
            if (!_pending.Remove(deploymentId, out var order)) return null;
            _inFlight.Add(deploymentId);
            return order;
        }
    }

    /// <summary>Ends a repair: success clears the backoff; failure doubles it and returns how long until the next try.</summary>
    public TimeSpan Done(Guid deploymentId, bool succeeded)
    {
        lock (_gate)
        {
            _inFlight.Remove(deploymentId);
            if (succeeded)
            {
                _backoff.Remove(deploymentId);
                return TimeSpan.Zero;
            }
            var failures = _backoff.TryGetValue(deploymentId, out var b) ? b.Failures + 1 : 1;
            var seconds = Math.Min(options.Value.RepairMaxBackoffSeconds, options.Value.RepairBackoffSeconds * Math.Pow(2, failures - 1));
            var delay = TimeSpan.FromSeconds(seconds);
            _backoff[deploymentId] = (failures, DateTimeOffset.UtcNow + delay);
            return delay;
        }
    }

    /// <summary>Whether a repair of the deployment is pending or running (it may be loading on a node right now).</summary>
    public bool IsBusy(Guid deploymentId)
    {
        lock (_gate) return _pending.ContainsKey(deploymentId) || _inFlight.Contains(deploymentId);
    }

    /// <summary>A deployment deleted or rolled out anew: what was asked for it no longer applies.</summary>
    public void Forget(Guid deploymentId)
    {
        lock (_gate)
        {
            _pending.Remove(deploymentId);
            _backoff.Remove(deploymentId);
        }
    }
}
