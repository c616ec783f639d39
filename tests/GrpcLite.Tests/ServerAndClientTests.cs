using Google.Protobuf;
using GrpcLite.Health.V1;
using GrpcLite.Tests.Infrastructure;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests;

/// <summary>Our client against our server over real h2c sockets.</summary>
public sealed class ServerAndClientTests(EchoServer server) : IClassFixture<EchoServer>
{
    private const string Echo = "/grpclite.test.v1.Echo/";

    private GrpcChannel Channel => GrpcChannel.ForAddress(server.Address);

    [Fact]
    public async Task Unary_call_returns_the_handlers_response()
    {
        var reply = await Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Message = "héllo" });
        Assert.Equal("héllo", reply.Message);
    }

    [Fact]
    public async Task Server_streaming_yields_every_message_in_order()
    {
        var indexes = new List<int>();
        await foreach (var reply in Channel.ServerStreaming<EchoRequest, EchoReply>(Echo + "ServerStream", new EchoRequest { Count = 50 }))
        {
            indexes.Add(reply.Index);
        }
        Assert.Equal(Enumerable.Range(0, 50), indexes);
    }

    [Fact]
    public async Task Abandoning_a_server_stream_stops_the_handler()
    {
        var marker = Guid.NewGuid().ToString("N");
        var received = 0;
        await foreach (var _ in Channel.ServerStreaming<EchoRequest, EchoReply>(Echo + "ServerStream",
            new EchoRequest { Message = marker, Count = 1_000_000, ReplyPayloadSize = 1000 }))
        {
            if (++received == 3)
            {
                break;
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!server.CallLog.Contains($"ServerStream {marker} stopped") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(server.CallLog.Contains($"ServerStream {marker} stopped"), "the handler kept writing after the client left");
    }

    [Fact]
    public async Task Client_streaming_delivers_every_message_to_the_handler()
    {
        var reply = await Channel.ClientStreamingAsync<EchoRequest, EchoReply>(Echo + "ClientStream", Requests(20, 1000));
        Assert.Equal(20, reply.ReceivedCount);
        Assert.Equal(20_000, reply.ReceivedBytes);
    }

    [Fact]
    public async Task Handler_status_and_message_reach_the_client_percent_decoded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary",
            new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = "model 'ünïcode' 100% gone\nnext line" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("model 'ünïcode' 100% gone\nnext line", error.Detail);
    }

    [Fact]
    public async Task Unhandled_exception_becomes_internal_without_leaking_its_text()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { ThrowUnhandled = true }));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("hunter2", error.Detail);
        Assert.DoesNotContain("secret", error.Detail);
    }

    [Fact]
    public async Task Deadline_cancels_the_handler_and_ends_with_deadline_exceeded()
    {
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary",
            new EchoRequest { DelayMs = 10_000 }, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(200))));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Non_grpc_post_to_an_unknown_path_is_a_plain_404()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/some/path"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    [Fact]
    public async Task Method_without_handler_is_unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Missing", new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unknown_service_is_unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>("/no.such.Service/Call", new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_size_limit_is_resource_exhausted()
    {
        var big = new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]) };
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", big));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Three_mebibyte_messages_cross_both_ways()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray());
        var reply = await Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Payload = payload });
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Metadata_round_trips_through_headers_and_trailers()
    {
        var headers = new Metadata { { "x-echo", "abc 123" }, { "x-echo-bin", new byte[] { 0, 1, 2, 250, 255 } } };
        var result = await Channel.UnaryCallAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest(), new CallOptions(Headers: headers));
        Assert.Equal("abc 123", result.ResponseHeaders.GetValue("x-echo-header"));
        Assert.Equal("abc 123", result.Trailers.GetValue("x-echo-trailer"));
        Assert.Equal(new byte[] { 0, 1, 2, 250, 255 }, result.Trailers.GetValueBytes("x-echo-bin"));
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_accepted()
    {
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { CompressRequests = true });
        var payload = ByteString.CopyFrom(new byte[100_000]);
        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Message = "zipped", Payload = payload });
        Assert.Equal("zipped", reply.Message);
        Assert.Equal(100_000, reply.Payload.Length);
    }

    [Fact]
    public async Task Health_check_follows_the_host_health_checks()
    {
        var overall = await Channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>("/grpc.health.v1.Health/Check", new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(
            "/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "no.such.Service" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private static async IAsyncEnumerable<EchoRequest> Requests(int count, int payloadSize)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new EchoRequest { Message = $"m{i}", Payload = ByteString.CopyFrom(new byte[payloadSize]) };
        }
    }
}
