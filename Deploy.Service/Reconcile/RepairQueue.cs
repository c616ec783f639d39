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
/// Repairs asked for and not yet carried out, one per deployment, with <see cref="DeploymentWorkQueue{TOrder}"/>'s
/// backoff; the rollout worker carries a repair out.
/// </summary>
public sealed class RepairQueue(RolloutQueue queue, IOptions<DeployOptions> options) : DeploymentWorkQueue<RepairOrder>(queue, options);
