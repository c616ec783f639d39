using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Contracts.Inference;
using EndToEnd.Tests.Journey;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Xunit.Abstractions;

namespace EndToEnd.Tests.Fuzz;

/// <summary>
/// Generated hostile requests against every public surface of the running platform (control-plane JSON and multipart,
/// <c>/score</c>, KServe v2 REST JSON and binary, KServe gRPC), with the invariants a hostile probe broke before: never
/// a 5xx or an internal status, never an internal path or exception name in an answer, never a change to another
/// resource (a canary endpoint), and the platform healthy and answering as before afterwards. The budget is
/// <c>PLATFORM_FUZZ_SECONDS</c> (default 45); <c>PLATFORM_FUZZ_SEED</c> replays a run.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class PublicSurfaceFuzzTests(JourneyPlatform journey, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] InternalMarkers =
        ["Exception", "   at ", ".cs:line", "/work/", "/root/", "/home/", "onnxruntime/core", "Npgsql", "System."];
    private static readonly StatusCode[] AllowedGrpc =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.Unauthenticated, StatusCode.ResourceExhausted,
         StatusCode.FailedPrecondition, StatusCode.OutOfRange, StatusCode.PermissionDenied];

    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _violations = [];

    [Fact]
    public async Task Generated_hostile_requests_never_get_a_5xx_or_an_internal_detail_and_change_no_other_resource()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var budget = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var b) ? b : 45);
        var canary = $"fuzz-canary-{_suffix}";
        var v1File = Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx");
        var key = await _user.CreateServingKeyEndpointAsync(canary, $"journey-fuzz-{_suffix}", v1File);
        var before = await CanaryStateAsync(canary, key);
        var generator = new RequestGenerator(seed, canary);
        var channel = GrpcChannel.ForAddress(journey.Platform.GatewayGrpcUri);
        using var raw = new HttpClient { BaseAddress = journey.Platform.GatewayHttpUri, Timeout = TimeSpan.FromSeconds(60) };

        var sent = 0;
        var deadline = DateTime.UtcNow + budget;
        while (DateTime.UtcNow < deadline && _violations.Count < 20)
        {
            sent++;
            switch (generator.Next(4))
            {
                case 0:
                {
                    var (method, path, contentType, body) = generator.ControlPlane();
                    await SendAsync(raw, method, path, contentType, body, $"Bearer {journey.Platform.AdminKey}", null);
                    break;
                }
                case 1:
                {
                    var (contentType, body) = generator.Score();
                    await SendAsync(raw, "POST", $"/endpoints/{canary}/score", contentType, body, $"Bearer {key}", null);
                    break;
                }
                case 2:
                {
                    var (contentType, body, headerLength) = generator.V2();
                    await SendAsync(raw, "POST", $"/v2/models/{canary}/infer", contentType, body, $"Bearer {key}", headerLength);
                    break;
                }
                default:
                    await InferGrpcAsync(channel, generator, canary, key);
                    break;
            }
        }
        output.WriteLine($"seed {seed}: {sent} requests in {budget.TotalSeconds:0} s");

        using (var health = await raw.GetAsync("/health")) Record(health.IsSuccessStatusCode, $"gateway /health answered {(int)health.StatusCode} after the run");
        var after = await CanaryStateAsync(canary, key);
        Record(before == after, $"the canary endpoint changed:\nbefore {before}\nafter  {after}");
        await _user.DeleteAsync($"/api/v1/endpoints/{canary}");

        Assert.True(_violations.Count == 0, $"seed {seed} (PLATFORM_FUZZ_SEED={seed} replays it), {sent} requests:\n" + string.Join("\n", _violations));
    }

    private async Task SendAsync(HttpClient client, string method, string path, string contentType, byte[] body, string authorization, string? headerLength)
    {
        // HttpClient resolves dot segments (and some escapes) before sending: "…/canary/deployments/.." would go out as a
        // legitimate DELETE of the canary. Such paths are sent byte for byte by HostileCallerTests instead.
        var uri = new Uri(client.BaseAddress!, path);
        if (uri.PathAndQuery != path) return;
        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (headerLength is not null) request.Headers.TryAddWithoutValidation("Inference-Header-Content-Length", headerLength);
        if (body.Length > 0 || method is "PUT" or "POST" or "PATCH")
        {
            request.Content = new ByteArrayContent(body);
            if (contentType.Length > 0 && MediaTypeHeaderValue.TryParse(contentType, out var type)) request.Content.Headers.ContentType = type;
        }
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            // The request was malformed on our side (HttpClient refused it) or the connection dropped: the latter is a finding.
            Record(e.InnerException is not IOException, $"{method} {path}: the connection failed ({e.Message})");
            return;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Record((int)response.StatusCode < 500,
                $"{method} {path} [{contentType}] {Clip(System.Text.Encoding.UTF8.GetString(body))} → {(int)response.StatusCode}: {Clip(text)}");
            foreach (var marker in InternalMarkers)
                Record(!text.Contains(marker, StringComparison.Ordinal), $"{method} {path} → {(int)response.StatusCode} shows '{marker}': {Clip(text)}");
        }
    }

    private async Task InferGrpcAsync(GrpcChannel channel, RequestGenerator generator, string canary, string key)
    {
        var request = new ModelInferRequest { ModelName = generator.Next(10) == 0 ? "fz-" + generator.Next(100) : canary };
        for (var i = generator.Next(3); i > 0; i--)
        {
            var input = new ModelInferRequest.Types.InferInputTensor
            {
                Name = generator.Next(4) == 0 ? "x" : "features", Datatype = generator.Datatype(), Contents = new InferTensorContents(),
            };
            input.Shape.AddRange(generator.ShapeValues());
            var values = generator.Next(12);
            for (var v = 0; v < values; v++) input.Contents.Fp32Contents.Add(generator.Next(3) == 0 ? float.NaN : v);
            if (generator.Next(3) == 0) input.Contents.Int64Contents.Add(long.MaxValue);
            request.Inputs.Add(input);
            if (generator.Next(3) == 0) request.RawInputContents.Add(ByteString.CopyFrom(generator.RandomBytes(generator.Next(64))));
        }
        try
        {
            await channel.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer", request,
                new CallOptions(new Metadata { { "authorization", $"Bearer {key}" } }, DateTime.UtcNow.AddSeconds(30)));
        }
        catch (RpcException e)
        {
            Record(AllowedGrpc.Contains(e.StatusCode), $"gRPC ModelInfer {request.Inputs.Count} inputs → {e.StatusCode}: {Clip(e.Status.Detail)}");
            foreach (var marker in InternalMarkers)
                Record(!e.Status.Detail.Contains(marker, StringComparison.Ordinal), $"gRPC ModelInfer → {e.StatusCode} shows '{marker}': {Clip(e.Status.Detail)}");
        }
    }

    /// <summary>What must not change: the canary's settings, deployment, keys and its answer to a fixed request.</summary>
    private async Task<string> CanaryStateAsync(string canary, string key)
    {
        var endpoint = await _user.GetAsync($"/api/v1/endpoints/{canary}");
        var blue = await _user.GetAsync($"/api/v1/endpoints/{canary}/deployments/blue");
        var keys = await _user.GetAsync($"/api/v1/endpoints/{canary}/keys");
        using var scored = await _user.ScoreAsync(canary, key);
        var answer = await scored.Content.ReadAsStringAsync();
        return JsonSerializer.Serialize(new
        {
            authMode = endpoint.GetProperty("authMode").GetString(),
            description = endpoint.GetProperty("description").ToString(),
            traffic = endpoint.GetProperty("traffic").ToString(),
            deployments = endpoint.GetProperty("deployments").ToString(),
            model = blue.GetProperty("model").GetString(),
            state = blue.GetProperty("state").GetString(),
            generation = blue.GetProperty("generation").GetInt32(),
            primary = keys.GetProperty("primaryKey").GetString(),
            secondary = keys.GetProperty("secondaryKey").GetString(),
            status = (int)scored.StatusCode,
            answer,
        });
    }

    private void Record(bool holds, string violation)
    {
        if (!holds) _violations.Add(violation);
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _user.Dispose();
}
