using Google.Protobuf;
using GrpcLite.Tests.Infrastructure;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests;

/// <summary>An echo server with a raised limit, as inference nodes configure for big tensors.</summary>
public sealed class LargeMessageEchoServer : EchoServer
{
    public const int Limit = 64 * 1024 * 1024;

    protected override int ReceiveLimit => Limit;
}

public sealed class LargeMessageTests(LargeMessageEchoServer server) : IClassFixture<LargeMessageEchoServer>
{
    [Fact]
    public async Task Messages_far_larger_than_the_http2_flow_control_window_cross_both_ways()
    {
        // 24 MiB: many times Kestrel's per-stream window and request buffer, so reading a whole
        // frame must keep the window moving rather than wait for a frame that cannot arrive.
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 24 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray());
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = LargeMessageEchoServer.Limit });
        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>("/grpclite.test.v1.Echo/Unary", new EchoRequest { Payload = payload },
            new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(60)));
        Assert.Equal(payload, reply.Payload);
    }
}
