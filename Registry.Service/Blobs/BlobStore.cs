using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Registry.Service.Blobs;

/// <summary>
/// Content-addressed files on disk: a blob lives at <c>{root}/sha256/ab/cd/abcd…</c>, so identical content is stored
/// once. Uploads are written to <c>{root}/tmp</c> (same file system) and renamed into place, so a blob path never holds
/// a half-written file and a broken upload leaves only a temporary file, which is deleted.
/// </summary>
public sealed class BlobStore
{
    private const int BufferSize = 128 * 1024;
    private readonly string _blobFolder;
    private readonly string _tempFolder;

    public BlobStore(IOptions<RegistryOptions> options)
    {
        Root = Path.GetFullPath(options.Value.BlobRoot);
        _blobFolder = Path.Combine(Root, "sha256");
        _tempFolder = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(_blobFolder);
        Directory.CreateDirectory(_tempFolder);
    }

    public string Root { get; }

    public string TempFolder => _tempFolder;

    public static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public string PathOf(string sha256)
    {
        if (!IsSha256(sha256)) throw new ArgumentException("Not a lower-case hex sha256.", nameof(sha256));
        return Path.Combine(_blobFolder, sha256[..2], sha256[2..4], sha256);
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>
    /// Copies <paramref name="source"/> into a temporary file, hashing as it goes and charging every byte to
    /// <paramref name="budget"/> (which throws <see cref="UploadTooLargeException"/> when spent). The caller commits
    /// or disposes the result; disposing an uncommitted one deletes the temporary file.
    /// </summary>
    public async Task<StagedBlob> StageAsync(Stream source, UploadBudget budget, CancellationToken cancellationToken)
    {
        var tempPath = Path.Combine(_tempFolder, $"{Guid.NewGuid():N}.part");
        var staged = new StagedBlob(tempPath);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[BufferSize];
            long size = 0;
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    budget.Charge(read);
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    size += read;
                }
                await file.FlushAsync(cancellationToken);
                // The rename below must never expose content the disk does not have yet.
                file.Flush(flushToDisk: true);
            }
            staged.Complete(Convert.ToHexStringLower(hash.GetHashAndReset()), size);
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves a staged file to its content address. When the blob already exists with the right size the staged copy is
    /// dropped and the existing one touched (so the orphan collector's grace period starts again); a damaged existing
    /// blob (wrong size) is replaced atomically. Idempotent.
    /// </summary>
    public void Commit(StagedBlob staged)
    {
        if (staged.IsCommitted) return;
        var target = PathOf(staged.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var existing = new FileInfo(target);
        if (existing.Exists && existing.Length == staged.Size)
        {
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            staged.Dispose();
        }
        else
        {
            File.Move(staged.TempPath, target, overwrite: true);
        }
        staged.MarkCommitted();
    }

    /// <summary>Opens a blob for reading; use <see cref="VerifiedBlobReader"/> to check its sha256 while streaming it.</summary>
    public FileStream OpenRead(string sha256) =>
        new(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Every blob on disk with its last write time (for the orphan collector).</summary>
    public IEnumerable<(string Sha256, DateTime LastWriteUtc)> Enumerate()
    {
        foreach (var path in Directory.EnumerateFiles(_blobFolder, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(path);
            if (IsSha256(name)) yield return (name, File.GetLastWriteTimeUtc(path));
        }
    }

    public void Delete(string sha256)
    {
        var path = PathOf(sha256);
        if (File.Exists(path)) File.Delete(path);
    }
}

/// <summary>An uploaded file waiting in the temporary folder until its registration commits.</summary>
public sealed class StagedBlob(string tempPath) : IDisposable
{
    public string TempPath { get; } = tempPath;
    public string Sha256 { get; private set; } = "";
    public long Size { get; private set; }
    public bool IsCommitted { get; private set; }

    internal void Complete(string sha256, long size) => (Sha256, Size) = (sha256, size);

    internal void MarkCommitted() => IsCommitted = true;

    public void Dispose()
    {
        try
        {
            if (File.Exists(TempPath)) File.Delete(TempPath);
        }
        catch (IOException)
        {
            // Nothing else can be done; the start-up sweep of the temporary folder removes it later.
        }
    }
}

/// <summary>How many upload bytes a request may still send.</summary>
public sealed class UploadBudget(long limit)
{
    public long Limit { get; } = limit;
    public long Used { get; private set; }

    public void Charge(long bytes)
    {
        Used += bytes;
        if (Used > Limit) throw new UploadTooLargeException(Limit);
    }
}

public sealed class UploadTooLargeException(long limit)
    : Exception($"The upload is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}
