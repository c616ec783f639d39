using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Contracts.Clients;
using GrpcLite;

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

    /// <summary>One HTTP/1.1 request with the request-target exactly as given (HttpClient would normalize it).</summary>
    private async Task<int> SendRawAsync(string method, string target, string? json)
    {
        var gateway = journey.Platform.GatewayHttpUri;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Host, gateway.Port);
        await using var stream = tcp.GetStream();
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {gateway.Authority}\r\nAuthorization: Bearer {journey.Platform.AdminKey}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? throw new IOException("The gateway closed the connection without an answer.");
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _user.Dispose();
}
