using System.Security.Cryptography;

namespace Registry.Service.Blobs;

/// <summary>
/// Streams a blob while checking its sha256 and size. The last chunk is held back until the check passes, so a
/// receiver of a corrupt blob never gets a complete-looking copy: the copy fails with <see cref="BlobCorruptException"/>
/// before the final bytes go out.
/// </summary>
public static class VerifiedBlobReader
{
    public const int ChunkSize = 256 * 1024;

    public static async Task CopyAsync(
        BlobStore store, string sha256, long expectedSize,
        Func<ReadOnlyMemory<byte>, bool, CancellationToken, ValueTask> writeChunk, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = store.OpenRead(sha256);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobCorruptException(sha256, "the blob is missing from the store");
        }

        await using (file)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var current = new byte[ChunkSize];
            var pending = new byte[ChunkSize];
            var pendingLength = -1; // no chunk held back yet
            long total = 0;
            while (true)
            {
                var read = await ReadFullAsync(file, current, cancellationToken);
                if (read == 0) break;
                hash.AppendData(current, 0, read);
                total += read;
                if (pendingLength >= 0) await writeChunk(pending.AsMemory(0, pendingLength), false, cancellationToken);
                (current, pending) = (pending, current);
                pendingLength = read;
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (total != expectedSize || actual != sha256)
                throw new BlobCorruptException(sha256, $"read {total} bytes with sha256 {actual}, expected {expectedSize} bytes");
            await writeChunk(pending.AsMemory(0, Math.Max(pendingLength, 0)), true, cancellationToken);
        }
    }

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0) break;
            filled += read;
        }
        return filled;
    }
}

public sealed class BlobCorruptException(string sha256, string reason)
    : Exception($"Blob {sha256} failed its integrity check: {reason}.")
{
    public string Sha256 { get; } = sha256;
}
