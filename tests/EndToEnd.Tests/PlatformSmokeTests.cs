using System.Diagnostics;
using System.Net;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The platform as the run command starts it, under Aspire: every service runs and is healthy, the dashboard wants
/// its browser token, and SIGTERM (Ctrl+C) stops everything within 30 s, leaving no process behind. It runs its own
/// platform, since it stops it.
/// </summary>
public sealed class PlatformSmokeTests
{
    private static readonly string[] ExpectedServices = ["compute", "deploy", "gateway", "inference", "registry"];

    [Fact]
    public async Task Platform_starts_healthy_under_aspire_and_stops_on_SIGTERM_within_30_seconds_without_leftovers()
    {
        await using var platform = new PlatformFixture();
        await platform.InitializeAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Up: one process per service (the inference node named after its replica), the gateway healthy, the admin key there.
        var status = await platform.GetResourcesAsync();
        Assert.Equal(ExpectedServices, status.Resources.Select(r => r.Service).Order());
        Assert.StartsWith("inference-", status["inference"].Name);
        using (var health = await http.GetAsync(new Uri(platform.GatewayHttpUri, "/health")))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Contains("Healthy", await health.Content.ReadAsStringAsync());
        }
        Assert.False(string.IsNullOrWhiteSpace(platform.AdminKey));

        // The dashboard is secure by default: without the browser token it sends the browser to its login page.
        using (var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) })
        using (var page = await noRedirect.GetAsync(platform.DashboardUri))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains("/login", page.Headers.Location?.ToString());
        }

        // Down: SIGTERM stops everything, and nothing it started survives.
        Assert.NotEmpty(ProcessTable.ProcessesMentioning(platform.DataRoot));
        var stopping = Stopwatch.StartNew();
        Assert.Equal(0, await platform.StopAsync());
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(30), $"stopping took {stopping.Elapsed.TotalSeconds:0.0}s");

        Assert.False(ProcessTable.IsAlive(platform.AppHostPid));
        var deadline = DateTime.UtcNow + (TimeSpan.FromSeconds(30) - stopping.Elapsed);
        while (ProcessTable.ProcessesMentioning(platform.DataRoot).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(250);
        Assert.Empty(ProcessTable.ProcessesMentioning(platform.DataRoot));
    }
}
