using System.Collections.Concurrent;

namespace Gateway.Service.Proxy;

/// <summary>
/// Per endpoint and mirror deployment: copies sent, answered with success, failed, and dropped for lack of a slot.
/// The same outcomes go to the <c>Platform.Gateway</c> meter; these counters let an operator (and the end-to-end
/// tests) read them through the control plane without a metrics backend.
/// </summary>
public sealed class MirrorStatistics
{
    private readonly ConcurrentDictionary<(string Endpoint, string Deployment), Counters> _counters = new();

    public sealed class Counters
    {
        public long Sent;
        public long Succeeded;
        public long Failed;
        public long Dropped;
    }

    public sealed record DeploymentMirrorStats(long Sent, long Succeeded, long Failed, long Dropped);

    public Counters For(string endpoint, string deployment) => _counters.GetOrAdd((endpoint, deployment), static _ => new Counters());

    public IReadOnlyDictionary<string, DeploymentMirrorStats> Of(string endpoint) =>
        _counters.Where(c => c.Key.Endpoint == endpoint).ToDictionary(
            c => c.Key.Deployment,
            c => new DeploymentMirrorStats(Interlocked.Read(ref c.Value.Sent), Interlocked.Read(ref c.Value.Succeeded),
                Interlocked.Read(ref c.Value.Failed), Interlocked.Read(ref c.Value.Dropped)),
            StringComparer.Ordinal);
}
