using Microsoft.Extensions.Options;

namespace Deploy.Service.Rollout;

/// <summary>
/// One kind of work the rollout worker carries out for a deployment besides its rollouts (a repair, a scale): at most one
/// pending and one running per deployment, with a backoff per deployment after a failure (no capacity anywhere, a node
/// refusing the load): the next request is taken only after 2, 4, 8 … seconds (at most
/// <see cref="DeployOptions.RepairMaxBackoffSeconds"/>), so work that cannot succeed does not hammer the nodes, and work
/// that can is taken at the next watcher round. The worker never runs it beside a rollout of the same deployment.
/// </summary>
public class DeploymentWorkQueue<TOrder>(RolloutQueue queue, IOptions<DeployOptions> options) where TOrder : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TOrder> _pending = new();
    private readonly HashSet<Guid> _inFlight = new();
    private readonly Dictionary<Guid, (int Failures, DateTimeOffset NotBefore)> _backoff = new();

    /// <summary>
    /// Asks for work; false when some is pending (its order is replaced by this newer one), running, or backing off
    /// (the watcher asks again next round).
    /// </summary>
    public bool Request(Guid deploymentId, TOrder order)
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

    /// <summary>The pending work of a deployment, now in flight until <see cref="Done"/>; null when none is pending.</summary>
    public TOrder? Take(Guid deploymentId)
    {
        lock (_gate)
        {
            if (!_pending.Remove(deploymentId, out var order)) return null;
            _inFlight.Add(deploymentId);
            return order;
        }
    }

    /// <summary>Ends the work: success clears the backoff; failure doubles it and returns how long until the next try.</summary>
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

    /// <summary>Whether work for the deployment is pending or running (it may be loading on a node right now).</summary>
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
