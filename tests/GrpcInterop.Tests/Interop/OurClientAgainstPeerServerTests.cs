using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using GrpcInterop.Tests.V1;

namespace GrpcInterop.Tests.Interop;

/// <summary>Our client (Grpc.Net.Client with the generated Echo client) calls a real gRPC server (grpcio or grpc-js) implementing the same Echo behaviour.</summary>
public abstract class OurClientAgainstPeerServerTests : IDisposable
{
    private GrpcChannel? _channel;

    protected abstract Uri PeerAddress { get; }

    private GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(PeerAddress);

    private Echo.EchoClient Client => new(Channel);

    /// <summary>Every call carries a deadline, so a misbehaving peer fails a test instead of hanging it.</summary>
    private static CallOptions Timely => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task Unary_call_succeeds()
    {
        var reply = await Client.UnaryAsync(new EchoRequest { Message = "héllo" }, Timely);
        Assert.Equal("héllo", reply.Message);
    }

    [Fact]
    public async Task Server_streaming_receives_every_message()
    {
        using var call = Client.ServerStream(new EchoRequest { Count = 25 }, Timely);
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }
        Assert.Equal(Enumerable.Range(0, 25), indexes);
    }

    [Fact]
    public async Task Client_streaming_sends_every_message()
    {
        using var call = Client.ClientStream(Timely);
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}", Payload = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 1000).ToArray()) });
        }
        await call.RequestStream.CompleteAsync();
        var reply = await call;
        Assert.Equal(20, reply.ReceivedCount);
        Assert.Equal(20_000, reply.ReceivedBytes);
    }

    [Fact]
    public async Task Deadline_exceeded_is_reported()
    {
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { DelayMs = 10_000 }, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Error_status_and_message_are_surfaced()
    {
        const string detail = "model 'ünïcode' 100% gone\nnext line";
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = detail }, Timely));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
    }

    [Fact]
    public async Task Error_in_a_server_stream_arrives_after_its_messages()
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Client.ServerStream(new EchoRequest { Count = 3, FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "stopped" }, Timely);
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }
        });
        Assert.Equal(3, received);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
    }

    [Fact]
    public async Task Three_mebibyte_messages_cross_both_ways()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray());
        var reply = await Client.UnaryAsync(new EchoRequest { Payload = payload, ReplyPayloadSize = payload.Length }, Timely);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Response_over_our_receive_limit_is_resource_exhausted()
    {
        using var channel = GrpcChannel.ForAddress(PeerAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { ReplyPayloadSize = 4096 }, Timely));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Metadata_round_trips()
    {
        var headers = new Metadata { { "x-echo", "abc 123" }, { "x-echo-bin", new byte[] { 0, 1, 2, 250, 255 } } };
        using var call = Client.UnaryAsync(new EchoRequest(), Timely.WithHeaders(headers));
        var responseHeaders = await call.ResponseHeadersAsync;
        await call.ResponseAsync;
        var trailers = call.GetTrailers();
        Assert.Equal("abc 123", responseHeaders.GetValue("x-echo-header"));
        Assert.Equal("abc 123", trailers.GetValue("x-echo-trailer"));
        Assert.Equal(new byte[] { 0, 1, 2, 250, 255 }, trailers.GetValueBytes("x-echo-bin"));
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_understood_by_the_peer()
    {
        // grpc-dotnet compresses a call's request when this metadata names the encoding.
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var reply = await Client.UnaryAsync(new EchoRequest { Message = "zipped", Payload = ByteString.CopyFrom(new byte[50_000]) }, Timely.WithHeaders(gzip));
        Assert.Equal("zipped", reply.Message);
        Assert.Equal(50_000, reply.Payload.Length);
    }

    [Fact]
    public async Task Unimplemented_method_is_reported()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.MissingAsync(new EchoRequest(), Timely));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Health_check_reports_serving()
    {
        var health = new Health.HealthClient(Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest(), Timely)).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = "interop.test.v1.Echo" }, Timely)).Status);
    }

    public void Dispose()
    {
        _channel?.Dispose();
        GC.SuppressFinalize(this);
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
