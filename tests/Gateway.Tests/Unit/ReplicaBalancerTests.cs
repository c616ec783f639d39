using Gateway.Service.Routing;

namespace Gateway.Tests.Unit;

public sealed class ReplicaBalancerTests
{
    private static readonly ReplicaRoute A = new("a", new Uri("http://127.0.0.1:5001"), null);
    private static readonly ReplicaRoute B = new("b", new Uri("http://127.0.0.1:5002"), null);
    private static readonly ReplicaRoute C = new("c", new Uri("http://127.0.0.1:5003"), null);

    [Fact]
    public void Chooses_the_replica_with_the_fewest_requests_in_flight()
    {
        var balancer = new ReplicaBalancer();
        using var a1 = balancer.Begin(A);
        using var a2 = balancer.Begin(A);
        using var c1 = balancer.Begin(C);

        for (var i = 0; i < 100; i++) Assert.Equal(B, balancer.Choose([A, B, C]));
    }

    [Fact]
    public void A_finished_request_no_longer_counts()
    {
        var balancer = new ReplicaBalancer();
        var lease = balancer.Begin(A);
        Assert.Equal(1, balancer.Outstanding(A));

        lease.Dispose();

        Assert.Equal(0, balancer.Outstanding(A));
    }

    [Fact]
    public void Equal_replicas_share_the_choices()
    {
        var balancer = new ReplicaBalancer();
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 3_000; i++)
        {
            var chosen = balancer.Choose([A, B, C])!;
            counts[chosen.NodeName] = counts.GetValueOrDefault(chosen.NodeName) + 1;
        }

        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Excluded_replica_is_never_chosen()
    {
        var balancer = new ReplicaBalancer();

        for (var i = 0; i < 50; i++) Assert.NotEqual(A, balancer.Choose([A, B], exclude: A));
        Assert.Null(balancer.Choose([A], exclude: A));
    }
}
