using System.Net.Http.Json;
using Microsoft.Playwright;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// The Aspire dashboard as an operator sees it in a browser (Debian's chromium, driven by Playwright): the login URL
/// from the banner lets them in, every resource of the platform reads Running, and a scoring request's trace shows
/// the gateway and the inference node.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class DashboardBrowserTests(JourneyPlatform journey) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string[] Services = ["compute", "deploy", "gateway", "inference", "registry", "postgres", "messaging"];
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        // As root (the test machines) chromium's sandbox cannot start; the page is our own dashboard on loopback.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    [Fact]
    public async Task The_banner_login_url_opens_the_dashboard_with_every_resource_running_and_a_scoring_trace_across_gateway_and_node()
    {
        var login = journey.Platform.DashboardLoginUri ?? throw new InvalidOperationException("the banner printed no dashboard login URL");
        var page = await _browser!.NewPageAsync();

        await page.GotoAsync(login.ToString());
        var resources = await WaitForTextAsync(page, text => Services.All(text.Contains) && Count(text, "Running") >= Services.Length);
        Assert.DoesNotContain("/login", page.Url);
        Assert.True(Services.All(resources.Contains), resources);

        // A scoring request with the caller's own trace id, then that trace's page.
        var endpoint = $"browse-{_suffix}";
        var key = await _user.CreateServingKeyEndpointAsync(endpoint, $"journey-browse-{_suffix}", Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = JsonContent.Create(new { data = JourneyClient.Rows }) })
        {
            request.Headers.Authorization = new("Bearer", key);
            request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
            using var response = await _user.Data.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        string trace = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !trace.Contains("POST /models/{model}/score"); )
        {
            // Each service exports on its own schedule: reload until both halves of the trace are there.
            await page.GotoAsync(new Uri(login, $"/traces/detail/{traceId}").ToString());
            trace = await WaitForTextAsync(page, text => text.Contains("POST /models/{model}/score"), TimeSpan.FromSeconds(10), throwOnTimeout: false);
        }
        // The spans by their routes: the gateway's front door and the node's model.
        Assert.Contains("gateway: POST /endpoints/{name}/score", trace);
        Assert.Contains("POST /models/{model}/score", trace);
        Assert.Contains("inference", trace);

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    private static async Task<string> WaitForTextAsync(IPage page, Func<string, bool> done, TimeSpan? within = null, bool throwOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        var text = "";
        while (DateTime.UtcNow < deadline)
        {
            text = await page.InnerTextAsync("body");
            if (done(text)) return text;
            await Task.Delay(500);
        }
        if (throwOnTimeout) Assert.Fail($"the dashboard page {page.Url} never showed what was expected; it showed:\n{text}");
        return text;
    }

    private static int Count(string text, string word)
    {
        var count = 0;
        for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + word.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        _user.Dispose();
    }
}
