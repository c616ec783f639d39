using System.IO.Compression;
using Registry.Service.Blobs;
using Registry.Service.Models;

namespace Registry.Service.Apis;

/// <summary>
/// Every file of a version as one zip (paths kept), streamed as it is built: no temporary archive on disk. Entries are
/// stored, not compressed: model weights barely compress and the CPU is better spent elsewhere. Each file's sha256 is
/// checked while it is read; a corrupt one aborts the response, so the client gets a broken archive, never a wrong one.
/// </summary>
public sealed class ZipDownloadResult(BlobStore blobs, ModelVersion version, ILogger logger) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = $"attachment; filename=\"{version.Name}-{version.Version}.zip\"";
        // ZipArchive still writes some headers synchronously, even through its async API; buffer them so Kestrel only
        // sees asynchronous writes.
        var buffered = new AsyncOnlyBufferStream(response.Body);
        // Archive and entries are closed only on success: closing them after a failure would write a valid-looking
        // trailer (and CRC) for a truncated file.
        var archive = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        try
        {
            foreach (var file in version.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                var entry = archive.CreateEntry(file.Path, CompressionLevel.NoCompression);
                entry.LastWriteTime = version.CreatedAt;
                var entryStream = await entry.OpenAsync(cancellationToken);
                await VerifiedBlobReader.CopyAsync(blobs, file.Sha256, file.Size,
                    (chunk, _, ct) => entryStream.WriteAsync(chunk, ct), cancellationToken);
                await entryStream.DisposeAsync();
            }
            await archive.DisposeAsync();
            await buffered.FlushAsync(cancellationToken);
        }
        catch (BlobCorruptException ex)
        {
            logger.LogError(ex, "A file of {Model} is corrupt on disk; aborting its zip download", version.Id);
            httpContext.Abort();
        }
    }
}

/// <summary>
/// Collects synchronous writes in memory and sends them with the next asynchronous write or flush, so a writer that
/// mixes both (ZipArchive) never blocks a thread on the socket.
/// </summary>
internal sealed class AsyncOnlyBufferStream(Stream inner) : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;

    public override void Write(byte[] buffer, int offset, int count)
    {
        _pending.Write(buffer, offset, count);
        _position += count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await SendPendingAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendPendingAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0) return;
        await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }

    public override async ValueTask DisposeAsync()
    {
        await SendPendingAsync(CancellationToken.None);
        await base.DisposeAsync();
    }

    // Nothing to flush synchronously: pending bytes go out with the next asynchronous write, flush or dispose.
    public override void Flush() { }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
