using Gateway.Service.Routing;

namespace Gateway.Tests.Support;

/// <summary>
/// Stands in for Deploy at the gateway's boundary in the gateway's own integration tests (the end-to-end tests use
/// the real Deploy): the test sets the table, then tells the gateway through the real bus (RoutingChanged).
/// </summary>
public sealed class InMemoryRoutingSource : IRoutingTableSource
{
    private RoutingSnapshot _table = RoutingSnapshot.Empty;

    public int Fetches;

    public RoutingSnapshot Table => Volatile.Read(ref _table);

    public void Set(long version, params EndpointRoute[] endpoints) => Volatile.Write(ref _table, new RoutingSnapshot(version, endpoints));

    public Task<RoutingSnapshot> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Fetches);
        return Task.FromResult(Table);
    }
}
