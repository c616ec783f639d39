using AppHost.Hosting;

namespace AppHost.Tests;

public sealed class AppHostOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_addresses()
    {
        var options = AppHostOptions.Parse(["--repo", "/srv/platform"]);
        Assert.Equal(8080, options.GatewayPort);
        Assert.Equal(8081, options.GrpcPort);
        Assert.Equal(18888, options.DashboardPort);
        Assert.Equal(1, options.InferenceNodes);
        Assert.Equal("/srv/platform/.data", options.DataRoot);
        Assert.False(options.Quiet);
        Assert.False(options.NoDemo);
    }

    [Fact]
    public void No_demo_switch_alone_turns_the_demo_off()
    {
        Assert.True(AppHostOptions.Parse(["--no-demo"]).NoDemo);
        Assert.True(AppHostOptions.Parse(["--no-demo", "--quiet"]).NoDemo);
    }

    [Fact]
    public void Command_line_switches_set_the_options()
    {
        var options = AppHostOptions.Parse(["--gateway-port", "9090", "--grpc-port", "9091", "--dashboard-port", "9092",
            "--inference-nodes", "3", "--data", "/tmp/x", "--quiet"]);
        Assert.Equal(9090, options.GatewayPort);
        Assert.Equal(9091, options.GrpcPort);
        Assert.Equal(9092, options.DashboardPort);
        Assert.Equal(3, options.InferenceNodes);
        Assert.Equal("/tmp/x", options.DataRoot);
        Assert.True(options.Quiet);
    }

    [Theory]
    [InlineData("--gateway-port", "70000", "--gateway-port")]
    [InlineData("--inference-nodes", "-1", "--inference-nodes")]
    [InlineData("--dashboard-port", "abc", "abc")]
    public void Bad_values_are_refused_with_the_switch_named(string name, string value, string expectedInMessage)
    {
        var error = Assert.Throws<ArgumentException>(() => AppHostOptions.Parse([name, value]));
        Assert.Contains(expectedInMessage, error.Message);
    }
}
