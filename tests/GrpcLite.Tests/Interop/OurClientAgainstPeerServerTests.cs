using Google.Protobuf;
using GrpcLite.Health.V1;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests.Interop;

/// <summary>Our client calls a real gRPC server (grpcio or grpc-js) implementing the same Echo behaviour.</summary>
public abstract class OurClientAgainstPeerServerTests
{
    private const string Echo = "/grpclite.test.v1.Echo/";

    protected abstract Uri PeerAddress { get; }

    private GrpcChannel Channel => GrpcChannel.ForAddress(PeerAddress);

    /// <summary>Every call carries a deadline, so a misbehaving peer fails a test instead of hanging it.</summary>
    private static CallOptions Timely => new(Deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task Unary_call_succeeds()
    {
        var reply = await Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Message = "héllo" }, Timely);
        Assert.Equal("héllo", reply.Message);
    }

    [Fact]
    public async Task Server_streaming_receives_every_message()
    {
        var indexes = new List<int>();
        await foreach (var reply in Channel.ServerStreaming<EchoRequest, EchoReply>(Echo + "ServerStream", new EchoRequest { Count = 25 }, Timely))
        {
            indexes.Add(reply.Index);
        }
        Assert.Equal(Enumerable.Range(0, 25), indexes);
    }

    [Fact]
    public async Task Client_streaming_sends_every_message()
    {
        var reply = await Channel.ClientStreamingAsync<EchoRequest, EchoReply>(Echo + "ClientStream", Requests(20, 1000), Timely);
        Assert.Equal(20, reply.ReceivedCount);
        Assert.Equal(20_000, reply.ReceivedBytes);
    }

    [Fact]
    public async Task Deadline_exceeded_is_reported()
    {
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary",
            new EchoRequest { DelayMs = 10_000 }, new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300))));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Error_status_and_message_are_surfaced()
    {
        const string detail = "model 'ünïcode' 100% gone\nnext line";
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary",
            new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = detail }, Timely));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Detail);
    }

    [Fact]
    public async Task Error_in_a_server_stream_arrives_after_its_messages()
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in Channel.ServerStreaming<EchoRequest, EchoReply>(Echo + "ServerStream",
                new EchoRequest { Count = 3, FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "stopped" }, Timely))
            {
                received++;
            }
        });
        Assert.Equal(3, received);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("stopped", error.Detail);
    }

    [Fact]
    public async Task Three_mebibyte_messages_cross_both_ways()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray());
        var reply = await Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Payload = payload, ReplyPayloadSize = payload.Length }, Timely);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Response_over_our_receive_limit_is_resource_exhausted()
    {
        using var channel = GrpcChannel.ForAddress(PeerAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { ReplyPayloadSize = 4096 }, Timely));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Metadata_round_trips()
    {
        var headers = new Metadata { { "x-echo", "abc 123" }, { "x-echo-bin", new byte[] { 0, 1, 2, 250, 255 } } };
        var result = await Channel.UnaryCallAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest(), Timely with { Headers = headers });
        Assert.Equal("abc 123", result.ResponseHeaders.GetValue("x-echo-header"));
        Assert.Equal("abc 123", result.Trailers.GetValue("x-echo-trailer"));
        Assert.Equal(new byte[] { 0, 1, 2, 250, 255 }, result.Trailers.GetValueBytes("x-echo-bin"));
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_understood_by_the_peer()
    {
        using var channel = GrpcChannel.ForAddress(PeerAddress, new GrpcChannelOptions { CompressRequests = true });
        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Unary", new EchoRequest { Message = "zipped", Payload = ByteString.CopyFrom(new byte[50_000]) }, Timely);
        Assert.Equal("zipped", reply.Message);
        Assert.Equal(50_000, reply.Payload.Length);
    }

    [Fact]
    public async Task Unimplemented_method_is_reported()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.UnaryAsync<EchoRequest, EchoReply>(Echo + "Missing", new EchoRequest(), Timely));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Health_check_reports_serving()
    {
        var response = await Channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>("/grpc.health.v1.Health/Check", new HealthCheckRequest(), Timely);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    private static async IAsyncEnumerable<EchoRequest> Requests(int count, int payloadSize)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new EchoRequest { Message = $"m{i}", Payload = ByteString.CopyFrom(Enumerable.Repeat((byte)1, payloadSize).ToArray()) };
        }
    }
}

public sealed class OurClientAgainstPythonServerTests(PythonPeer python) : OurClientAgainstPeerServerTests, IClassFixture<PythonPeer>
{
    protected override Uri PeerAddress => python.ServerAddress;
}

public sealed class OurClientAgainstNodeServerTests(NodePeer node) : OurClientAgainstPeerServerTests, IClassFixture<NodePeer>
{
    protected override Uri PeerAddress => node.ServerAddress;
}
