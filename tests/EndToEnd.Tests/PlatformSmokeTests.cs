using System.Net;
using System.Text.Json;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The platform as the run command starts it: every resource becomes healthy, the gateway answers, a crashed
/// service is restarted, and stopping leaves no process behind. It runs its own platform, since it stops it.
/// </summary>
public sealed class PlatformSmokeTests
{
    private static readonly string[] ExpectedResources = ["postgres", "messaging", "registry", "compute", "deploy", "inference-0", "gateway"];

    [Fact]
    public async Task Platform_starts_healthy_restarts_a_crashed_service_and_stops_without_leftovers()
    {
        await using var platform = new PlatformFixture();
        await platform.InitializeAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Up: every resource running, the gateway healthy, the admin key there.
        var status = await platform.GetResourcesAsync();
        Assert.True(status.Ready);
        Assert.Equal(ExpectedResources.Order(), status.Resources.Select(r => r.Name).Order());
        Assert.All(status.Resources, r => Assert.Equal("Running", r.State));
        using (var health = await http.GetAsync(new Uri(platform.GatewayHttpUri, "/health")))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Contains("Healthy", await health.Content.ReadAsStringAsync());
        }
        Assert.Equal(platform.GatewayHttpUri.ToString().TrimEnd('/'), status["gateway"].Addresses[0]);
        Assert.False(string.IsNullOrWhiteSpace(platform.AdminKey));

        // The dashboard: its page, and a resource's console output.
        var page = await http.GetStringAsync(platform.DashboardUri);
        Assert.Contains("Platform dashboard", page);
        using (var logs = JsonDocument.Parse(await http.GetStringAsync(new Uri(platform.DashboardUri, "/api/resources/registry/logs?after=-1"))))
            Assert.NotEqual(0, logs.RootElement.GetProperty("lines").GetArrayLength());
        using (var unknown = await http.GetAsync(new Uri(platform.DashboardUri, "/api/resources/nope/logs")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        }

        // A crash: the registry is killed and comes back.
        var registryPid = status["registry"].Pid!.Value;
        Assert.True(ProcessTable.IsAlive(registryPid));
        System.Diagnostics.Process.GetProcessById(registryPid).Kill(); // SIGKILL: a crash, not a stop
        var restarted = await WaitForAsync(platform, s => s["registry"] is { Restarts: >= 1, State: "Running" } r && r.Pid != registryPid);
        Assert.Equal(1, restarted["registry"].Restarts);
        Assert.False(ProcessTable.IsAlive(registryPid));

        // Down: SIGTERM stops everything, and nothing it started survives.
        var groups = platform.ProcessGroups;
        Assert.True(groups.Count >= ExpectedResources.Length + 1); // the killed registry's group too
        Assert.NotEmpty(ProcessTable.LiveProcessesInGroups(groups));

        Assert.Equal(0, await platform.StopAsync());

        Assert.False(ProcessTable.IsAlive(platform.AppHostPid));
        Assert.Empty(ProcessTable.LiveProcessesInGroups(groups));
        Assert.Empty(ProcessTable.ProcessesMentioning(platform.DataRoot));
    }

    private static async Task<PlatformStatus> WaitForAsync(PlatformFixture platform, Func<PlatformStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var status = await platform.GetResourcesAsync();
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Resources: " + string.Join(", ", status.Resources.Select(r => $"{r.Name}={r.State} restarts={r.Restarts}")));
            await Task.Delay(250);
        }
    }
}
