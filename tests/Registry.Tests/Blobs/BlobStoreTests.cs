using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Registry.Service;
using Registry.Service.Blobs;

namespace Registry.Tests.Blobs;

public sealed class BlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"blobstore-{Guid.NewGuid():N}");
    private readonly BlobStore _store;

    public BlobStoreTests() => _store = new BlobStore(Options.Create(new RegistryOptions { BlobRoot = _root }));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<StagedBlob> StageAsync(byte[] content, long limit = long.MaxValue) =>
        await _store.StageAsync(new MemoryStream(content), new UploadBudget(limit), CancellationToken.None);

    private int BlobCount() => _store.Enumerate().Count();

    private int TempCount() => Directory.EnumerateFiles(_store.TempFolder).Count();

    [Fact]
    public async Task A_committed_blob_lives_at_its_sha256_with_the_same_bytes()
    {
        var content = RandomNumberGenerator.GetBytes(300_000);
        using var staged = await StageAsync(content);
        _store.Commit(staged);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), staged.Sha256);
        Assert.Equal(content.Length, staged.Size);
        Assert.Equal(content, await File.ReadAllBytesAsync(_store.PathOf(staged.Sha256)));
        Assert.Equal(0, TempCount());
    }

    [Fact]
    public async Task Identical_content_is_stored_once()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        using var first = await StageAsync(content);
        using var second = await StageAsync(content);
        _store.Commit(first);
        _store.Commit(second);

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(1, BlobCount());
        Assert.Equal(0, TempCount());
    }

    [Fact]
    public async Task An_upload_over_the_budget_fails_and_leaves_no_file()
    {
        await Assert.ThrowsAsync<UploadTooLargeException>(() => StageAsync(new byte[5000], limit: 4096));
        Assert.Equal(0, TempCount());
        Assert.Equal(0, BlobCount());
    }

    [Fact]
    public async Task The_budget_is_shared_by_all_files_of_one_upload()
    {
        var budget = new UploadBudget(1500);
        using var first = await _store.StageAsync(new MemoryStream(new byte[1000]), budget, CancellationToken.None);
        await Assert.ThrowsAsync<UploadTooLargeException>(() => _store.StageAsync(new MemoryStream(new byte[1000]), budget, CancellationToken.None));
    }

    [Fact]
    public async Task A_source_that_breaks_off_leaves_no_file()
    {
        await Assert.ThrowsAsync<IOException>(() =>
            _store.StageAsync(new BreakingStream(200_000), new UploadBudget(long.MaxValue), CancellationToken.None));
        Assert.Equal(0, TempCount());
        Assert.Equal(0, BlobCount());
    }

    [Fact]
    public async Task Disposing_an_uncommitted_blob_deletes_its_temporary_file()
    {
        var staged = await StageAsync([1, 2, 3]);
        Assert.Equal(1, TempCount());
        staged.Dispose();
        Assert.Equal(0, TempCount());
        Assert.Equal(0, BlobCount());
    }

    [Fact]
    public async Task A_verified_read_returns_every_byte_of_a_sound_blob()
    {
        var content = RandomNumberGenerator.GetBytes(VerifiedBlobReader.ChunkSize * 2 + 17);
        using var staged = await StageAsync(content);
        _store.Commit(staged);

        var copy = new MemoryStream();
        var lastFlags = new List<bool>();
        await VerifiedBlobReader.CopyAsync(_store, staged.Sha256, staged.Size, async (chunk, last, ct) =>
        {
            lastFlags.Add(last);
            await copy.WriteAsync(chunk, ct);
        }, CancellationToken.None);

        Assert.Equal(content, copy.ToArray());
        Assert.Equal([false, false, true], lastFlags);
    }

    [Fact]
    public async Task A_verified_read_of_a_corrupted_blob_fails_before_the_last_chunk()
    {
        var content = RandomNumberGenerator.GetBytes(VerifiedBlobReader.ChunkSize + 100);
        using var staged = await StageAsync(content);
        _store.Commit(staged);
        var path = _store.PathOf(staged.Sha256);
        var damaged = (byte[])content.Clone();
        damaged[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, damaged);

        long delivered = 0;
        await Assert.ThrowsAsync<BlobCorruptException>(() => VerifiedBlobReader.CopyAsync(_store, staged.Sha256, staged.Size,
            (chunk, _, _) => { delivered += chunk.Length; return ValueTask.CompletedTask; }, CancellationToken.None));
        Assert.True(delivered < content.Length, "the corrupt copy must not be delivered whole");
    }

    [Fact]
    public async Task Committing_over_a_damaged_blob_of_the_wrong_size_repairs_it()
    {
        var content = RandomNumberGenerator.GetBytes(2000);
        using var first = await StageAsync(content);
        _store.Commit(first);
        await File.WriteAllBytesAsync(_store.PathOf(first.Sha256), new byte[10]);

        using var second = await StageAsync(content);
        _store.Commit(second);

        Assert.Equal(content, await File.ReadAllBytesAsync(_store.PathOf(first.Sha256)));
    }

    /// <summary>Yields some bytes, then fails like a dropped connection.</summary>
    private sealed class BreakingStream(int bytesBeforeFailure) : Stream
    {
        private int _sent;
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_sent >= bytesBeforeFailure) throw new IOException("connection reset");
            var n = Math.Min(count, bytesBeforeFailure - _sent);
            _sent += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
