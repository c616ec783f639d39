using System.Buffers;
using System.Buffers.Text;

namespace Gateway.Service.Proxy;

/// <summary>
/// The transport stream of an HTTP/1.1 connection to a node. SocketsHttpHandler sends a request whose body does not
/// fit its 4 KiB write buffer in two writes (the head with the start of the body, then the rest), so the node wakes
/// up twice and parses a partial request first; a client talking to the node directly sends it in one. This stream
/// holds the writes of one request until all of it is there (the head plus its <c>Content-Length</c>) and sends it
/// with one call. Anything else (a head without Content-Length, chunked bodies, requests above the size limit,
/// unexpected extra bytes) is written straight through, so it never changes what goes on the wire, only how many
/// sends carry it. Reads pass through untouched.
/// </summary>
public sealed class RequestCoalescingStream(Stream inner, int maxRequestBytes) : Stream
{
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> ContentLengthName => "content-length:"u8;
    private static ReadOnlySpan<byte> TransferEncodingName => "transfer-encoding:"u8;

    private byte[]? _pending;
    private int _pendingLength;
    private int _expected;

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending is null)
        {
            // The first write of a request: coalesce only when its head is complete and says how long the body is.
            var total = RequestLength(buffer.Span);
            if (total <= buffer.Length || total > maxRequestBytes) return inner.WriteAsync(buffer, cancellationToken);
            _pending = ArrayPool<byte>.Shared.Rent(total);
            _expected = total;
            buffer.Span.CopyTo(_pending);
            _pendingLength = buffer.Length;
            return default;
        }

        if (_pendingLength + buffer.Length > _expected) return SendPendingThenWriteAsync(buffer, cancellationToken);
        buffer.Span.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += buffer.Length;
        return _pendingLength == _expected ? SendPendingAsync(cancellationToken) : default;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Synchronous writes (SocketsHttpHandler's sync Send) are not coalesced.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Flush();
        inner.Write(buffer);
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendPendingAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
        if (TakePending() is { } pending)
        {
            try
            {
                inner.Write(pending.Buffer, 0, pending.Length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pending.Buffer);
            }
        }
        inner.Flush();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            if (TakePending() is { } pending) ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        if (TakePending() is { } pending) ArrayPool<byte>.Shared.Return(pending.Buffer);
        GC.SuppressFinalize(this);
    }

    private (byte[] Buffer, int Length)? TakePending()
    {
        if (_pending is not { } buffer) return null;
        var length = _pendingLength;
        (_pending, _pendingLength, _expected) = (null, 0, 0);
        return (buffer, length);
    }

    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        if (TakePending() is not { } pending) return;
        try
        {
            await inner.WriteAsync(pending.Buffer.AsMemory(0, pending.Length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }

    private async ValueTask SendPendingThenWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await SendPendingAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// The length of the whole request (head and body) when <paramref name="head"/> holds a complete HTTP/1.1 request
    /// head with a Content-Length and no Transfer-Encoding; otherwise -1.
    /// </summary>
    public static int RequestLength(ReadOnlySpan<byte> head)
    {
        var end = head.IndexOf(HeadEnd);
        if (end < 0) return -1;
        var lines = head[..(end + 2)];
        var firstLine = lines.IndexOf("\r\n"u8);
        if (firstLine < 0 || !lines[..firstLine].EndsWith(" HTTP/1.1"u8)) return -1;
        lines = lines[(firstLine + 2)..];

        long contentLength = -1;
        while (lines.Length > 0)
        {
            var lineEnd = lines.IndexOf("\r\n"u8);
            var line = lines[..lineEnd];
            lines = lines[(lineEnd + 2)..];
            if (StartsWithIgnoreCase(line, TransferEncodingName)) return -1;
            if (!StartsWithIgnoreCase(line, ContentLengthName)) continue;
            if (contentLength >= 0) return -1;
            var value = line[ContentLengthName.Length..].Trim((byte)' ');
            if (!Utf8Parser.TryParse(value, out long parsed, out var consumed) || consumed != value.Length || parsed < 0) return -1;
            contentLength = parsed;
        }
        if (contentLength < 0) return -1;
        var total = end + HeadEnd.Length + contentLength;
        return total > int.MaxValue ? -1 : (int)total;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerCasePrefix)
    {
        if (line.Length < lowerCasePrefix.Length) return false;
        for (var i = 0; i < lowerCasePrefix.Length; i++)
        {
            var c = line[i];
            if (c is >= (byte)'A' and <= (byte)'Z') c += 32;
            if (c != lowerCasePrefix[i]) return false;
        }
        return true;
    }
}
