using System.Net.Http.Json;
using System.Text.Json;

namespace EndToEnd.Tests.Journey;

/// <summary>What the dashboard shows of scoring requests: one trace from the gateway down to the inference node, and their counts in both services' metrics.</summary>
[Collection(nameof(JourneyCollection))]
public sealed class TracingJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task A_scored_request_is_one_trace_on_the_dashboard_from_the_gateway_to_the_inference_node()
    {
        var model = $"journey-trace-{_suffix}";
        var endpoint = $"trace-{_suffix}";
        var key = await _user.CreateServingKeyEndpointAsync(endpoint, model, Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));

        // The caller's own W3C trace context (sampled): the platform's spans join the caller's trace.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = JsonContent.Create(new { data = JourneyClient.Rows }) };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using (var response = await _user.Data.SendAsync(request)) Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        using var dashboard = new HttpClient { BaseAddress = journey.Platform.DashboardUri };
        JsonElement[] spans = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            using var answer = await dashboard.GetAsync($"/api/traces/{traceId}");
            if (!answer.IsSuccessStatusCode) continue;
            spans = (await answer.Content.ReadFromJsonAsync<JsonElement[]>())!;
            // Each service exports on its own schedule: wait for the gateway's two spans and the node's.
            if (spans.Count(s => s.GetProperty("kind").GetString() is "Server" or "Client") >= 3) break;
        }

        var seen = string.Join("\n", spans.Select(s => $"{s.GetProperty("service")} {s.GetProperty("kind")} {s.GetProperty("name")} {s.GetProperty("spanId")} <- {s.GetProperty("parentSpanId")} {s.GetProperty("attributes")}"));
        Assert.True(spans.Count(s => s.GetProperty("kind").GetString() is "Server" or "Client") >= 3, "spans of the trace:\n" + seen);
        var gatewayServer = spans.Single(s => s.GetProperty("service").GetString() == "gateway" && s.GetProperty("kind").GetString() == "Server");
        Assert.Equal("00f067aa0ba902b7", gatewayServer.GetProperty("parentSpanId").GetString());
        var gatewayClient = spans.Single(s => s.GetProperty("service").GetString() == "gateway" && s.GetProperty("kind").GetString() == "Client");
        var nodeServer = spans.Single(s => s.GetProperty("service").GetString() == "inference" && s.GetProperty("kind").GetString() == "Server");
        Assert.Equal(gatewayServer.GetProperty("spanId").GetString(), gatewayClient.GetProperty("parentSpanId").GetString());
        Assert.Equal(gatewayClient.GetProperty("spanId").GetString(), nodeServer.GetProperty("parentSpanId").GetString());
        Assert.Equal("POST /models/{model}/score", nodeServer.GetProperty("name").GetString());
        Assert.Equal("200", nodeServer.GetProperty("attributes").GetProperty("http.response.status_code").GetString());
        Assert.Equal($"/endpoints/{endpoint}/score", gatewayServer.GetProperty("attributes").GetProperty("url.path").GetString());

        var listed = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/traces?service=inference&limit=2000");
        Assert.Contains(listed!, t => t.GetProperty("traceId").GetString() == traceId);
        // Health probes (every second, from the AppHost) are not recorded: they would crowd out real traces.
        var all = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/traces?limit=2000");
        Assert.DoesNotContain(all!, t => t.GetProperty("rootName").GetString()!.Contains("/health") || t.GetProperty("rootName").GetString()!.Contains("/alive"));

        // The same requests counted on the dashboard's metrics: by the gateway per endpoint, by the node per model.
        JsonElement[] gatewaySeries = [], nodeSeries = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            gatewaySeries = (await dashboard.GetFromJsonAsync<JsonElement[]>("/api/metrics?service=gateway&name=gateway.requests"))!
                .Where(m => m.GetProperty("attributes").TryGetProperty("endpoint", out var e) && e.GetString() == endpoint).ToArray();
            nodeSeries = (await dashboard.GetFromJsonAsync<JsonElement[]>("/api/metrics?service=inference&name=platform.inference.requests"))!
                .Where(m => m.GetProperty("attributes").TryGetProperty("model", out var e) && e.GetString()!.StartsWith(endpoint + ".", StringComparison.Ordinal)).ToArray();
            if (gatewaySeries.Sum(m => m.GetProperty("value").GetDouble()) >= 2 && nodeSeries.Sum(m => m.GetProperty("value").GetDouble()) >= 2) break;
        }
        Assert.True(gatewaySeries.Sum(m => m.GetProperty("value").GetDouble()) >= 2, "gateway.requests for the endpoint: " + string.Join(", ", gatewaySeries));
        Assert.True(nodeSeries.Sum(m => m.GetProperty("value").GetDouble()) >= 2, "platform.inference.requests for the model: " + string.Join(", ", nodeSeries));

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    public void Dispose() => _user.Dispose();
}
