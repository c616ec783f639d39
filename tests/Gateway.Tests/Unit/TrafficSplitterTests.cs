using Gateway.Service.Routing;
using Gateway.Tests.Support;

namespace Gateway.Tests.Unit;

public sealed class TrafficSplitterTests
{
    private static Dictionary<string, int> Draw(EndpointRoute endpoint, int draws, int seed = 7)
    {
        var random = new Random(seed);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < draws; i++)
        {
            var chosen = endpoint.Splitter.Choose(random)!;
            counts[chosen.Name] = counts.GetValueOrDefault(chosen.Name) + 1;
        }
        return counts;
    }

    [Fact]
    public void Split_of_90_10_is_observed_within_one_percent_over_100000_draws()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue"), Routes.Deployment("green")], "blue",
            traffic: new() { ["blue"] = 90, ["green"] = 10 });

        var counts = Draw(endpoint, 100_000);

        Assert.InRange(counts["green"] / 100_000.0, 0.09, 0.11);
        Assert.InRange(counts["blue"] / 100_000.0, 0.89, 0.91);
    }

    [Fact]
    public void Default_deployment_takes_the_unallocated_remainder()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue"), Routes.Deployment("green"), Routes.Deployment("red")], "blue",
            traffic: new() { ["green"] = 20, ["red"] = 5 });

        var weights = endpoint.Splitter.Weights.ToDictionary(w => w.Deployment.Name, w => w.Weight);

        Assert.Equal(new Dictionary<string, int> { ["blue"] = 75, ["green"] = 20, ["red"] = 5 }, weights);
        var counts = Draw(endpoint, 50_000);
        Assert.InRange(counts["blue"] / 50_000.0, 0.74, 0.76);
    }

    [Fact]
    public void Default_with_explicit_share_adds_the_remainder_to_it()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue"), Routes.Deployment("green")], "blue",
            traffic: new() { ["blue"] = 50, ["green"] = 10 });

        var weights = endpoint.Splitter.Weights.ToDictionary(w => w.Deployment.Name, w => w.Weight);

        Assert.Equal(90, weights["blue"]);
        Assert.Equal(10, weights["green"]);
    }

    [Fact]
    public void Deployments_that_are_not_Healthy_never_get_traffic()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue"), Routes.Deployment("green", state: "Transitioning")], "blue",
            traffic: new() { ["blue"] = 50, ["green"] = 50 });

        var counts = Draw(endpoint, 10_000);

        Assert.Equal(10_000, counts["blue"]);
        Assert.False(counts.ContainsKey("green"));
    }

    [Fact]
    public void No_Healthy_deployment_means_no_choice()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue", state: "Failed")], "blue");

        Assert.Null(endpoint.Splitter.Choose());
        Assert.Equal(0, endpoint.Splitter.TotalWeight);
    }

    [Fact]
    public void A_Healthy_deployment_without_traffic_and_not_default_gets_nothing()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue"), Routes.Deployment("shadow")], "blue");

        var counts = Draw(endpoint, 5_000);

        Assert.Equal(5_000, counts["blue"]);
    }
}
