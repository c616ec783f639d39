using Gateway.Service.Routing;
using Gateway.Tests.Support;

namespace Gateway.Tests.Unit;

public sealed class DeploymentSelectorTests
{
    private static readonly EndpointRoute Endpoint = Routes.Endpoint("e",
        [Routes.Deployment("blue"), Routes.Deployment("green"), Routes.Deployment("broken", state: "Failed")], "blue",
        traffic: new() { ["blue"] = 100 });

    [Fact]
    public void Pin_header_sends_to_the_named_deployment_even_without_traffic()
    {
        var selection = DeploymentSelector.Select(Endpoint, "green");

        Assert.True(selection.Succeeded);
        Assert.Equal("green", selection.Deployment!.Name);
        Assert.True(selection.Pinned);
    }

    [Fact]
    public void Pin_to_an_unknown_deployment_is_404_naming_it()
    {
        var selection = DeploymentSelector.Select(Endpoint, "purple");

        Assert.Equal(404, selection.FailureStatus);
        Assert.Contains("'purple'", selection.FailureReason);
    }

    [Fact]
    public void Pin_to_a_deployment_that_is_not_Healthy_is_503_with_its_state()
    {
        var selection = DeploymentSelector.Select(Endpoint, "broken");

        Assert.Equal(503, selection.FailureStatus);
        Assert.Contains("Failed", selection.FailureReason);
    }

    [Fact]
    public void No_Healthy_deployment_is_503_listing_the_states()
    {
        var endpoint = Routes.Endpoint("e", [Routes.Deployment("blue", state: "Creating")], "blue");

        var selection = DeploymentSelector.Select(endpoint, null);

        Assert.Equal(503, selection.FailureStatus);
        Assert.Contains("blue: Creating", selection.FailureReason);
    }
}
