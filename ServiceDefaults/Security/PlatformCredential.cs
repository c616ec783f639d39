using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace ServiceDefaults.Security;

/// <summary>
/// The credential every internal call (into an inference node, Registry, Compute or Deploy) carries (<c>Authorization: Bearer …</c>, HTTP and gRPC
/// alike). The platform issues it: on first start a 256-bit random key is written owner-only to
/// <c>Platform:InternalKeyFile</c> (AppHost points every service at <c>.data/internal-key</c>); a pod on Kubernetes
/// gets the same key as <c>Platform:InternalKey</c> from a Secret. Rotation: put the new key on the file's first line
/// and keep the old one on a later line until every caller has restarted; callers send the first line, services accept any.
/// Users never see it: the gateway is their only way in.
/// </summary>
public sealed class PlatformCredential
{
    public const string Section = "Platform";
    private const int KeyBytes = 32;

    // The accepted keys themselves, compared with what a caller presents in constant time (no hash per request).
    private readonly string[] _acceptedKeys;

    public PlatformCredential(string key, IEnumerable<string>? previousKeys = null)
    {
        if (key.Length < 16) throw new ArgumentException("The platform credential must be at least 16 characters long.", nameof(key));
        Key = key;
        AuthorizationHeader = "Bearer " + key;
        _acceptedKeys = [key, .. (previousKeys ?? []).Where(k => k.Length >= 16)];
    }

    /// <summary>The key callers send.</summary>
    public string Key { get; }

    /// <summary>The whole <c>Authorization</c> header value callers send, built once.</summary>
    public string AuthorizationHeader { get; }

    /// <summary>Whether an <c>Authorization</c> header carries the platform credential (constant time per accepted key).</summary>
    /// <remarks>
    /// Every internal call passes here, so it compares the presented key with the accepted ones directly, in constant
    /// time, instead of hashing it first (OpenSSL's SHA-256 was 1.4 % of the node's CPU under scoring load in
    /// bench/scoring's profile). The process holds the key itself anyway (it sends it), so a digest hid nothing here; only
    /// the length can end a comparison early, and the length of a generated key is no secret.
    /// </remarks>
    public bool Accepts(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } value) return false;
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var presented = MemoryMarshal.AsBytes(value.AsSpan(7).Trim());
        var accepted = false;
        foreach (var key in _acceptedKeys) accepted |= CryptographicOperations.FixedTimeEquals(presented, MemoryMarshal.AsBytes(key.AsSpan()));
        return accepted;
    }

    /// <summary>
    /// Reads <c>Platform:InternalKey</c> or, failing that, the key file <c>Platform:InternalKeyFile</c> (created when
    /// missing). Without either there is no credential to check or send, and a node refuses to start.
    /// </summary>
    public static PlatformCredential FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (section["InternalKey"] is { Length: > 0 } key)
            return new PlatformCredential(key.Trim(), section.GetSection("PreviousInternalKeys").Get<string[]>());
        if (section["InternalKeyFile"] is { Length: > 0 } file)
        {
            SecretFile.ReadOrCreate(file, KeyBytes);
            var lines = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            return new PlatformCredential(lines[0], lines[1..]);
        }
        throw new InvalidOperationException(
            "No platform credential is configured: set Platform:InternalKeyFile (a file the platform creates) or Platform:InternalKey " +
            "(env Platform__InternalKeyFile / Platform__InternalKey). Our services accept only calls that carry it.");
    }
}
