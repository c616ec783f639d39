using System.Text;
using Gateway.Service.Proxy;

namespace Gateway.Tests.Unit;

public sealed class RequestCoalescingStreamTests
{
    private static byte[] Request(int bodyLength, string extraHeaders = "")
    {
        var head = Encoding.ASCII.GetBytes($"POST /models/m/score HTTP/1.1\r\nHost: node\r\nContent-Length: {bodyLength}\r\n{extraHeaders}\r\n");
        var body = Enumerable.Range(0, bodyLength).Select(i => (byte)('a' + i % 26)).ToArray();
        return [.. head, .. body];
    }

    [Fact]
    public async Task A_request_written_in_parts_is_sent_in_one_write()
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 1 << 20);
        var request = Request(15_000);

        await stream.WriteAsync(request.AsMemory(0, 4096));
        await stream.WriteAsync(request.AsMemory(4096, 3000));
        Assert.Empty(inner.Writes);
        await stream.WriteAsync(request.AsMemory(7096));

        Assert.Equal(request, Assert.Single(inner.Writes));
    }

    [Fact]
    public async Task Consecutive_requests_on_one_connection_are_each_sent_whole()
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 1 << 20);
        var first = Request(9_000);
        var second = Request(5_000, "Inference-Header-Content-Length: 10\r\n");

        await stream.WriteAsync(first.AsMemory(0, 4096));
        await stream.WriteAsync(first.AsMemory(4096));
        await stream.WriteAsync(second.AsMemory(0, 4096));
        await stream.WriteAsync(second.AsMemory(4096));

        Assert.Equal(2, inner.Writes.Count);
        Assert.Equal(first, inner.Writes[0]);
        Assert.Equal(second, inner.Writes[1]);
    }

    [Theory]
    [InlineData("POST /a HTTP/1.1\r\nHost: n\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")]
    [InlineData("POST /a HTTP/1.1\r\nHost: n\r\n\r\n")]
    [InlineData("POST /a HTTP/1.1\r\nHost: n\r\nContent-Length: 5\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")]
    public async Task Writes_it_cannot_frame_pass_straight_through(string first)
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 1 << 20);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(first));

        Assert.Equal(first, Encoding.ASCII.GetString(Assert.Single(inner.Writes)));
    }

    [Fact]
    public async Task A_request_above_the_limit_streams()
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 8_000);
        var request = Request(10_000);

        await stream.WriteAsync(request.AsMemory(0, 4096));
        await stream.WriteAsync(request.AsMemory(4096));

        Assert.Equal(2, inner.Writes.Count);
        Assert.Equal(request, inner.Writes.SelectMany(w => w).ToArray());
    }

    [Fact]
    public async Task More_bytes_than_announced_are_sent_in_order_not_held()
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 1 << 20);
        var request = Request(6_000);
        byte[] extra = [.. request, .. "garbage"u8.ToArray()];

        await stream.WriteAsync(extra.AsMemory(0, 4096));
        await stream.WriteAsync(extra.AsMemory(4096));

        Assert.Equal(extra, inner.Writes.SelectMany(w => w).ToArray());
    }

    [Fact]
    public async Task Flush_sends_what_is_held()
    {
        var inner = new RecordingStream();
        var stream = new RequestCoalescingStream(inner, 1 << 20);
        var request = Request(6_000);

        await stream.WriteAsync(request.AsMemory(0, 4096));
        await stream.FlushAsync();

        Assert.Equal(request[..4096], Assert.Single(inner.Writes));
    }

    [Fact]
    public void Request_length_is_head_plus_content_length()
    {
        var request = Request(1234);
        Assert.Equal(request.Length, RequestCoalescingStream.RequestLength(request.AsSpan(0, 200)));
        Assert.Equal(-1, RequestCoalescingStream.RequestLength("POST /a HTTP/1.1\r\nContent-Length: x\r\n\r\n"u8));
        Assert.Equal(-1, RequestCoalescingStream.RequestLength("POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"u8));
        Assert.Equal(44, RequestCoalescingStream.RequestLength("POST /a HTTP/1.1\r\ncontent-length:  3 \r\n\r\n"u8));
    }

    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return default;
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Writes.Add(buffer.ToArray());
    }
}
