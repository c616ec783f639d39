using System.Diagnostics;
using System.Net;
using TestSupport;

namespace AppHost.Tests;

/// <summary>One running platform for the tests that kill or inspect its service processes.</summary>
public sealed class RunningPlatform : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public Task InitializeAsync() => Platform.InitializeAsync();

    public Task DisposeAsync() => Platform.DisposeAsync();
}

/// <summary>
/// A service that dies is started again by the app host (DCP alone would leave it Exited), and the front door is
/// the gateway itself rather than a proxy in front of it.
/// </summary>
public sealed class ServiceRestartTests(RunningPlatform running) : IClassFixture<RunningPlatform>
{
    private readonly PlatformFixture _platform = running.Platform;

    [Fact]
    public async Task A_service_killed_with_SIGKILL_is_started_again_and_serves_within_60_seconds()
    {
        var before = (await _platform.GetResourcesAsync())["registry"];
        using var admin = _platform.CreateAdminClient();

        Process.GetProcessById(before.Pid).Kill(); // SIGKILL: a crash, not a stop anybody asked for

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var now = (await _platform.GetResourcesAsync()).Resources.FirstOrDefault(r => r.Service == "registry");
            if (now is not null && now.Pid != before.Pid && await ListsModelsAsync(admin)) break;
            Assert.True(DateTime.UtcNow < deadline, $"registry did not serve again within 60 s; app host output: {_platform.OutputFile}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task The_gateway_listens_on_the_front_door_port_itself_with_no_proxy_in_between()
    {
        var gateway = (await _platform.GetResourcesAsync())["gateway"];
        Assert.Equal(_platform.GatewayHttpUri.Port, new Uri(gateway.Addresses[0]).Port);
        Assert.Equal(_platform.GatewayGrpcUri.Port, new Uri(gateway.Addresses[1]).Port);
    }

    private static async Task<bool> ListsModelsAsync(HttpClient admin)
    {
        try
        {
            using var response = await admin.GetAsync("/api/v1/models");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}

public sealed class CrashedServiceRestarterTests
{
    [Theory]
    [InlineData("Running", "Exited", 137, true)]
    [InlineData("Running", "Finished", 1, true)]
    [InlineData("Starting", "Exited", 134, true)]
    [InlineData("Stopping", "Exited", 137, false)] // the operator's Stop
    [InlineData("Running", "Exited", 0, false)]    // a clean exit
    [InlineData("Running", "Exited", null, false)]
    [InlineData("Exited", "Exited", 137, false)]   // the same end reported again
    public void Only_an_unasked_end_with_a_failing_exit_code_is_a_crash(string previous, string state, int? exitCode, bool crashed) =>
        Assert.Equal(crashed, CrashedServiceRestarter.Crashed(previous, state, exitCode));

    [Fact]
    public void The_wait_before_a_restart_doubles_from_one_second_up_to_a_minute()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(1, 8).Select(n => CrashedServiceRestarter.RestartDelay(n).TotalSeconds));
    }
}
