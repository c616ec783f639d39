using System.Security.Cryptography;
using System.Text;

namespace ServiceDefaults.Security;

/// <summary>
/// Credentials are kept and compared as SHA-256 digests: the stored form reveals nothing usable, and digests of
/// equal length let <see cref="CryptographicOperations.FixedTimeEquals"/> compare without leaking a prefix match.
/// (Keys carry 256 bits of entropy, so a fast hash is enough; slow hashes are for low-entropy passwords.)
/// </summary>
public static class KeyHasher
{
    public const int HashLength = 32;

    public static byte[] Hash(string credential)
    {
        var hash = new byte[HashLength];
        Hash(credential, hash);
        return hash;
    }

    public static void Hash(ReadOnlySpan<char> credential, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(credential.Length);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var written = Encoding.UTF8.GetBytes(credential, buffer);
            SHA256.HashData(buffer[..written], destination);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static bool Matches(ReadOnlySpan<byte> presentedHash, ReadOnlySpan<byte> storedHash) =>
        storedHash.Length == HashLength && CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);

    /// <summary>Constant-time comparison of a presented credential with a known one (both hashed first).</summary>
    public static bool Matches(ReadOnlySpan<char> presented, ReadOnlySpan<byte> storedHash)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        Hash(presented, hash);
        return Matches(hash, storedHash);
    }
}
