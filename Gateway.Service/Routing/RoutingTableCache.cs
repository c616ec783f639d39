namespace Gateway.Service.Routing;

/// <summary>
/// The routing table the hot path reads: one immutable snapshot behind a volatile reference, replaced whole.
/// Never goes backwards: a slow fetch that returns an older table than the one in place is ignored.
/// </summary>
public sealed class RoutingTableCache
{
    private RoutingSnapshot _current = RoutingSnapshot.Empty;
    private volatile bool _loaded;

    public RoutingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>True once a table was fetched from Deploy (an empty table is a valid answer, not "not loaded").</summary>
    public bool IsLoaded => _loaded;

    public DateTimeOffset? LoadedAt { get; private set; }

    public bool Replace(RoutingSnapshot snapshot)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (_loaded && snapshot.Version < current.Version) return false;
            if (Interlocked.CompareExchange(ref _current, snapshot, current) == current)
            {
                _loaded = true;
                LoadedAt = DateTimeOffset.UtcNow;
                return true;
            }
        }
    }
}
