using System.Net;
using System.Net.Sockets;
using GrpcLite.Tests.Infrastructure;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests;

public sealed class ClientRetryTests(EchoServer server) : IClassFixture<EchoServer>
{
    private const string Unary = "/grpclite.test.v1.Echo/Unary";

    [Fact]
    public async Task Idempotent_call_is_retried_while_the_server_is_unreachable()
    {
        var (channel, attempts) = CountingChannel(ClosedPortAddress());
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest(), new CallOptions(Idempotent: true)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1 + 3, attempts.Count);
    }

    [Fact]
    public async Task Non_idempotent_call_is_never_retried()
    {
        var (channel, attempts) = CountingChannel(ClosedPortAddress());
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Single(attempts);
    }

    [Fact]
    public async Task Unavailable_status_from_the_server_is_retried_for_idempotent_calls()
    {
        var (channel, attempts) = CountingChannel(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary,
            new EchoRequest { FailCode = (int)StatusCode.Unavailable, FailMessage = "warming up" }, new CallOptions(Idempotent: true)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("warming up", error.Detail);
        Assert.Equal(4, attempts.Count);
    }

    [Fact]
    public async Task Other_statuses_are_not_retried_even_when_idempotent()
    {
        var (channel, attempts) = CountingChannel(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary,
            new EchoRequest { FailCode = (int)StatusCode.Internal, FailMessage = "broken" }, new CallOptions(Idempotent: true)));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Single(attempts);
    }

    [Fact]
    public async Task Retries_stop_at_the_deadline()
    {
        var (channel, attempts) = CountingChannel(ClosedPortAddress(), initialBackoff: TimeSpan.FromMilliseconds(400));
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest(),
            new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300), Idempotent: true)));
        Assert.Contains(error.StatusCode, new[] { StatusCode.Unavailable, StatusCode.DeadlineExceeded });
        Assert.True(attempts.Count < 4, $"{attempts.Count} attempts");
    }

    [Fact]
    public async Task Cancelled_token_ends_the_call_as_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var error = await Assert.ThrowsAsync<RpcException>(() => GrpcChannel.ForAddress(server.Address).UnaryAsync<EchoRequest, EchoReply>(Unary,
            new EchoRequest { DelayMs = 10_000 }, new CallOptions(CancellationToken: cancel.Token)));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_already_past_fails_without_sending()
    {
        var (channel, attempts) = CountingChannel(server.Address);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(Unary, new EchoRequest(),
            new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    private static (GrpcChannel Channel, List<HttpRequestMessage> Attempts) CountingChannel(Uri address, TimeSpan? initialBackoff = null)
    {
        var attempts = new List<HttpRequestMessage>();
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new CountingHandler(attempts) { InnerHandler = new SocketsHttpHandler { UseProxy = false } },
            MaxRetryAttempts = 3,
            InitialBackoff = initialBackoff ?? TimeSpan.FromMilliseconds(10),
            MaxBackoff = initialBackoff is { } initial ? initial * 4 : TimeSpan.FromMilliseconds(50),
        });
        return (channel, attempts);
    }

    /// <summary>An address where nothing listens: the port was free a moment ago and is closed again.</summary>
    private static Uri ClosedPortAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    private sealed class CountingHandler(List<HttpRequestMessage> attempts) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (attempts)
            {
                attempts.Add(request);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
