namespace AppHost.Tests;

/// <summary>The run command's switches and their APPHOST_ environment twins, as before the move to Aspire.</summary>
public sealed class AppHostOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ports_and_one_inference_node()
    {
        var options = AppHostOptions.Parse(["--data", "/tmp/x"]);

        Assert.Equal(8080, options.GatewayPort);
        Assert.Equal(8081, options.GrpcPort);
        Assert.Equal(18888, options.DashboardPort);
        Assert.Equal(18889, options.DashboardOtlpPort);
        Assert.Equal(1, options.InferenceNodes);
        Assert.Equal("/tmp/x", options.DataRoot);
        Assert.False(options.Quiet);
    }

    [Fact]
    public void Switches_and_bare_flags_are_read()
    {
        var options = AppHostOptions.Parse(["--gateway-port", "9090", "--inference-nodes", "3", "--quiet", "--trace-sampling", "0.25", "--no-demo"]);

        Assert.Equal(9090, options.GatewayPort);
        Assert.Equal(3, options.InferenceNodes);
        Assert.True(options.Quiet);
        Assert.True(options.NoDemo);
        Assert.Equal(0.25, options.TraceSampling);
    }

    [Theory]
    [InlineData("--gateway-port", "70000", "--gateway-port must be between 0 and 65535")]
    [InlineData("--inference-nodes", "99", "--inference-nodes must be between 0 and 32")]
    [InlineData("--trace-sampling", "2", "--trace-sampling must be between 0 and 1")]
    [InlineData("--gateway-port", "eighty", "Bad argument")]
    public void A_bad_value_is_one_clear_error(string option, string value, string message)
    {
        Assert.False(AppHostOptions.TryParse([option, value], out _, out var error));
        Assert.Contains(message, error);
    }
}
