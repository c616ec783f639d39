using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Contracts.Clients;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// What a hostile caller tried against the running platform, kept from coming back: a node reached directly refuses
/// everything without the platform's credential (and an unload attempt changes nothing), and a doubly encoded
/// <c>..</c> in a control-plane path names no resource instead of the endpoint above it.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class HostileCallerTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task A_node_called_directly_without_the_platform_credential_refuses_scoring_and_control_and_keeps_serving()
    {
        var endpoint = $"direct-{_suffix}";
        var key = await _user.CreateServingKeyEndpointAsync(endpoint, $"journey-direct-{_suffix}", Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        var blue = await _user.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/blue");
        var nodeModel = blue.GetProperty("nodeModelName").GetString()!;
        var replica = blue.GetProperty("replicas")[0];
        var nodeHttp = replica.GetProperty("httpAddress").GetString()!;
        var nodeGrpc = replica.GetProperty("grpcAddress").GetString()!;

        using var anonymous = new HttpClient { BaseAddress = new Uri(nodeHttp) };
        using (var score = await anonymous.PostAsJsonAsync($"/models/{nodeModel}/score", new { data = JourneyClient.Rows }))
            Assert.Equal(HttpStatusCode.Unauthorized, score.StatusCode);
        using (var withUserKey = new HttpRequestMessage(HttpMethod.Post, $"/v2/repository/models/{nodeModel}/unload"))
        {
            // The endpoint's own key is no credential for a node either.
            withUserKey.Headers.Authorization = new("Bearer", key);
            using var unload = await anonymous.SendAsync(withUserKey);
            Assert.Equal(HttpStatusCode.Unauthorized, unload.StatusCode);
        }
        var grpc = await Assert.ThrowsAsync<RpcException>(() =>
            new InferenceNodeClient(GrpcChannel.ForAddress(nodeGrpc), "Bearer " + key).UnloadModelAsync(nodeModel));
        Assert.Equal(StatusCode.Unauthenticated, grpc.StatusCode);

        using var scored = await _user.ScoreAsync(endpoint, key);
        Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Theory]
    [InlineData("registry", "/api/v1/models", "/registry.v1.Registry/ListModelFiles")]
    [InlineData("compute", "/api/v1/computes", "/compute.v1.Compute/ListComputes")]
    [InlineData("deploy", "/api/v1/endpoints", "/deploy.v1.Deploy/GetRoutingTable")]
    public async Task A_service_called_directly_answers_only_the_platform_credential_not_the_admin_key(string service, string path, string method)
    {
        var resource = (await journey.Platform.GetResourcesAsync())[service];
        using var direct = new HttpClient { BaseAddress = new Uri(resource.Addresses[0]) };
        foreach (var authorization in new[] { null, "Bearer " + journey.Platform.AdminKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await direct.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{service} {path} with {(authorization is null ? "nothing" : "the admin key")}: {(int)response.StatusCode}");
            var headers = authorization is null ? null : new Metadata { { "authorization", authorization } };
            using var channel = GrpcChannel.ForAddress(resource.Addresses[1]);
            var refused = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<Google.Protobuf.WellKnownTypes.Empty, Google.Protobuf.WellKnownTypes.Empty>(
                method, new(), new CallOptions(headers)));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/alive")).StatusCode);

        // The platform's own calls (the gateway's, with the platform credential) go through.
        using var platform = new HttpClient(new ServiceDefaults.Security.PlatformCredentialHandler(journey.Platform.NodeCredential())
            { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = direct.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync(path)).StatusCode);
        using var viaGateway = await _user.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, viaGateway.StatusCode);
    }

    [Theory]
    [InlineData("DELETE", "%252e%252e")]
    [InlineData("PUT", "%252e%252e")]
    [InlineData("DELETE", "%25252e%25252e")]
    [InlineData("DELETE", "%2e%2e")]
    public async Task An_encoded_dot_dot_deployment_name_never_reaches_the_endpoint_above_it(string method, string name)
    {
        var endpoint = $"climb-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key", description = "must survive" });

        var status = await SendRawAsync(method, $"/api/v1/endpoints/{endpoint}/deployments/{name}",
            method == "PUT" ? """{"authMode":"none","description":"overwritten"}""" : null);

        Assert.True(status is >= 400 and < 500, $"{method} …/deployments/{name} answered {status}");
        var survivor = await _user.GetAsync($"/api/v1/endpoints/{endpoint}");
        Assert.Equal("key", survivor.GetProperty("authMode").GetString());
        Assert.Equal("must survive", survivor.GetProperty("description").GetString());
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Theory]
    [InlineData("no-such-model:1", "local", 1.0, "model")]
    [InlineData("journey-refs-model:99", "local", 1.0, "model")]
    [InlineData("journey-refs-model:1", "nope-compute", 1.0, "compute")]
    [InlineData("journey-refs-model:1", "local", 0.00000001, "memoryGb")] // 10 bytes: less than the model's file
    public async Task A_deployment_naming_a_model_or_compute_that_does_not_exist_or_too_little_memory_is_refused_at_once_naming_the_field(
        string model, string compute, double memoryGb, string field)
    {
        var endpoint = $"refs-{_suffix}";
        await _user.RegisterModelAsync("journey-refs-model", Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key" });

        using var response = await _user.Admin.PutAsJsonAsync($"/api/v1/endpoints/{endpoint}/deployments/blue", new { model, compute, memoryGb });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        using var listed = await _user.Admin.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/blue");
        Assert.Equal(HttpStatusCode.NotFound, listed.StatusCode);
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task An_open_endpoint_is_known_to_scoring_as_soon_as_its_creation_is_answered()
    {
        var endpoint = $"open-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "none" });
        // No deployment yet: 503 with the reason, never the 401 of an endpoint the gateway has not heard of.
        using var scored = await _user.ScoreAsync(endpoint, credential: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, scored.StatusCode);
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task Oversized_and_stalled_bodies_are_the_clients_fault_413_and_408_not_an_outage()
    {
        var endpoint = $"bodies-{_suffix}";
        var key = await _user.CreateServingKeyEndpointAsync(endpoint, $"journey-bodies-{_suffix}", Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        var admin = $"Bearer {journey.Platform.AdminKey}";

        // A 2 MiB control-plane JSON document, chunked (no Content-Length to refuse it by), and then announced.
        var bigJson = "{\"description\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        Assert.Equal(413, await SendRawAsync("PUT", $"/api/v1/endpoints/{endpoint}", admin, "application/json", bigJson, chunked: true));
        Assert.Equal(413, await SendRawAsync("PUT", $"/api/v1/endpoints/{endpoint}", admin, "application/json", bigJson));
        // A body that stops arriving: Kestrel's minimum data rate gives up on it after its grace period.
        Assert.Equal(408, await SendRawAsync("PUT", $"/api/v1/endpoints/{endpoint}", admin, "application/json", "{\"descr", stallAfterBytes: 7));
        Assert.Equal(415, await SendRawAsync("PUT", $"/api/v1/endpoints/{endpoint}", admin, "text/plain", """{"authMode":"none"}"""));

        // Scoring: beyond the endpoint's 16 MiB default limit, chunked; a stalled body; a multipart body.
        var bigScore = "{\"data\":[" + string.Join(",", Enumerable.Repeat("[0.1,0.2,0.3,0.4]", 1_100_000)) + "]}";
        Assert.Equal(413, await SendRawAsync("POST", $"/endpoints/{endpoint}/score", $"Bearer {key}", "application/json", bigScore, chunked: true));
        Assert.Equal(408, await SendRawAsync("POST", $"/endpoints/{endpoint}/score", $"Bearer {key}", "application/json", "{\"data\":[[0.1,", stallAfterBytes: 12));
        Assert.Equal(415, await SendRawAsync("POST", $"/endpoints/{endpoint}/score", $"Bearer {key}", "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n[[0.1,0.2,0.3,0.4]]\r\n--x--\r\n"));

        // Nothing was lost or changed, and the endpoint still serves.
        var survivor = await _user.GetAsync($"/api/v1/endpoints/{endpoint}");
        Assert.Equal("key", survivor.GetProperty("authMode").GetString());
        using var scored = await _user.ScoreAsync(endpoint, key);
        Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    private Task<int> SendRawAsync(string method, string target, string? json) =>
        SendRawAsync(method, target, $"Bearer {journey.Platform.AdminKey}", "application/json", json ?? "");

    /// <summary>
    /// One HTTP/1.1 request written by hand: the request-target exactly as given (HttpClient would normalize it), the
    /// body chunked or with a Content-Length, or cut off after <paramref name="stallAfterBytes"/> while the connection stays open.
    /// </summary>
    private async Task<int> SendRawAsync(string method, string target, string authorization, string contentType, string body,
        bool chunked = false, int? stallAfterBytes = null)
    {
        var gateway = journey.Platform.GatewayHttpUri;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Host, gateway.Port);
        await using var stream = tcp.GetStream();
        var bytes = Encoding.UTF8.GetBytes(body);
        var framing = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {bytes.Length + (stallAfterBytes is null ? 0 : 100)}";
        var head = $"{method} {target} HTTP/1.1\r\nHost: {gateway.Authority}\r\nAuthorization: {authorization}\r\n" +
                   $"Content-Type: {contentType}\r\n{framing}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        try
        {
            if (stallAfterBytes is { } stall) await stream.WriteAsync(bytes.AsMemory(0, stall));
            else if (!chunked) await stream.WriteAsync(bytes);
            else
            {
                for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
                {
                    var size = Math.Min(64 * 1024, bytes.Length - offset);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
                    await stream.WriteAsync(bytes.AsMemory(offset, size));
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
        }
        catch (IOException)
        {
            // The server answered and closed while the body was still going out: the answer is what counts.
        }
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var statusLine = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("The gateway closed the connection without an answer.");
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _user.Dispose();
}
