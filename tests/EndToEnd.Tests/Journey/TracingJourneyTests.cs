using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// What the Aspire dashboard shows of the platform, read through its telemetry HTTP API (<c>/api/telemetry/…</c>,
/// OTLP JSON, behind the key in <c>{data}/dashboard-api-key</c>): one trace from the gateway down to the inference
/// node for a scoring request, and structured logs from every service.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class TracingJourneyTests(JourneyPlatform journey) : IDisposable
{
    private static readonly string[] Services = ["compute", "deploy", "gateway", "inference", "registry"];
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly HttpClient _dashboard = journey.Platform.CreateDashboardClient();
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

        List<Span> spans = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            using var answer = await _dashboard.GetAsync($"/api/telemetry/traces/{traceId}");
            if (!answer.IsSuccessStatusCode) continue;
            spans = Span.Read(await answer.Content.ReadFromJsonAsync<JsonElement>());
            // Each service exports on its own schedule: wait for the gateway's two spans and the node's.
            if (spans.Count(s => s.Kind is Span.Server or Span.Client) >= 3) break;
        }

        var seen = string.Join("\n", spans);
        var gatewayServer = Assert.Single(spans, s => s is { Service: "gateway", Kind: Span.Server });
        Assert.Equal("00f067aa0ba902b7", gatewayServer.ParentSpanId);
        var gatewayClient = Assert.Single(spans, s => s is { Service: "gateway", Kind: Span.Client });
        var nodeServer = Assert.Single(spans, s => s is { Service: "inference", Kind: Span.Server });
        Assert.True(gatewayServer.SpanId == gatewayClient.ParentSpanId, seen);
        Assert.True(gatewayClient.SpanId == nodeServer.ParentSpanId, seen);
        Assert.Equal("POST /models/{model}/score", nodeServer.Name);
        Assert.Equal("200", nodeServer.Attributes["http.response.status_code"]);
        Assert.Equal($"/endpoints/{endpoint}/score", gatewayServer.Attributes["url.path"]);
        // The node's spans are filed under its replica (Aspire's instance id), whose name it registered with Compute.
        var nodes = (await journey.Platform.GetResourcesAsync()).Resources.Where(r => r.Service == "inference").Select(r => r.Name);
        Assert.Contains($"inference-{nodeServer.Instance}", nodes);

        // Health probes (every few seconds, from the app host) are not recorded: they would crowd out real traces.
        var recent = Span.Read(await _dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?limit=500"));
        Assert.DoesNotContain(recent, s => s.Name.Contains("/health") || s.Name.Contains("/alive"));

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task Every_service_sends_structured_logs_to_the_dashboard_and_its_api_wants_the_key()
    {
        using (var anonymous = new HttpClient { BaseAddress = journey.Platform.DashboardUri })
        using (var refused = await anonymous.GetAsync("/api/telemetry/resources"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        foreach (var service in Services)
        {
            JsonElement logs = default;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                logs = await _dashboard.GetFromJsonAsync<JsonElement>($"/api/telemetry/logs?resource={service}&limit=5");
                if (logs.GetProperty("data").GetProperty("resourceLogs").GetArrayLength() > 0) break;
            }
            var records = logs.GetProperty("data").GetProperty("resourceLogs").EnumerateArray()
                .SelectMany(r => r.GetProperty("scopeLogs").EnumerateArray()).SelectMany(s => s.GetProperty("logRecords").EnumerateArray()).ToList();
            Assert.True(records.Count > 0, $"no structured logs from {service}");
            // Structured: the message's parameters arrive as attributes, not only as text.
            Assert.Contains(records, r => r.TryGetProperty("attributes", out var a) && a.GetArrayLength() > 0);
        }
    }

    public void Dispose()
    {
        _user.Dispose();
        _dashboard.Dispose();
    }

    /// <summary>One span of the dashboard's OTLP JSON, with its service and instance.</summary>
    private sealed record Span(string Service, string Instance, string Name, int Kind, string SpanId, string? ParentSpanId, IReadOnlyDictionary<string, string> Attributes)
    {
        public const int Server = 2;
        public const int Client = 3;

        public static List<Span> Read(JsonElement answer) =>
            answer.GetProperty("data").GetProperty("resourceSpans").EnumerateArray().SelectMany(resource =>
            {
                var attributes = ReadAttributes(resource.GetProperty("resource"));
                return resource.GetProperty("scopeSpans").EnumerateArray().SelectMany(scope => scope.GetProperty("spans").EnumerateArray()).Select(span => new Span(
                    attributes.GetValueOrDefault("service.name", ""), attributes.GetValueOrDefault("service.instance.id", ""),
                    span.GetProperty("name").GetString()!, span.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0,
                    span.GetProperty("spanId").GetString()!, span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
                    ReadAttributes(span)));
            }).ToList();

        private static Dictionary<string, string> ReadAttributes(JsonElement owner) =>
            owner.TryGetProperty("attributes", out var list)
                ? list.EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").EnumerateObject().First().Value.ToString())
                : [];

        public override string ToString() => $"{Service}/{Instance} kind={Kind} {Name} {SpanId} <- {ParentSpanId}";
    }
}
