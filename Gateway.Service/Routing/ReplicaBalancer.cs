using System.Collections.Concurrent;

namespace Gateway.Service.Routing;

/// <summary>
/// Picks the replica with the fewest requests in flight from this gateway ("least outstanding requests").
/// Counters are kept per node address, not per snapshot, so they survive routing-table swaps.
/// Ties are broken from a random starting point so equal replicas share the load.
/// </summary>
public sealed class ReplicaBalancer
{
    private readonly ConcurrentDictionary<Uri, Counter> _outstanding = new();

    public ReplicaRoute? Choose(IReadOnlyList<ReplicaRoute> replicas, ReplicaRoute? exclude = null)
    {
        var count = replicas.Count;
        if (count == 0) return null;
        if (count == 1) return replicas[0] == exclude ? null : replicas[0];

        var start = Random.Shared.Next(count);
        ReplicaRoute? best = null;
        var bestLoad = int.MaxValue;
        for (var i = 0; i < count; i++)
        {
            var replica = replicas[(start + i) % count];
            if (replica == exclude) continue;
            var load = Volatile.Read(ref CounterFor(replica).Value);
            if (load < bestLoad)
            {
                best = replica;
                bestLoad = load;
            }
        }
        return best;
    }

    public int Outstanding(ReplicaRoute replica) => Volatile.Read(ref CounterFor(replica).Value);

    /// <summary>Counts a request in flight until the returned lease is disposed.</summary>
    public Lease Begin(ReplicaRoute replica)
    {
        var counter = CounterFor(replica);
        Interlocked.Increment(ref counter.Value);
        return new Lease(counter);
    }

    private Counter CounterFor(ReplicaRoute replica) => _outstanding.GetOrAdd(replica.HttpAddress, static _ => new Counter());

    public sealed class Counter
    {
        public int Value;
    }

    public readonly struct Lease(Counter counter) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref counter.Value);
    }
}
