using ServiceDefaults.Security;
using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Gateway.Service.Infrastructure;
using Gateway.Service.Routing;
using Microsoft.EntityFrameworkCore;

namespace Gateway.Service.Auth;

/// <summary>
/// Endpoint keys: durable in gatewaydb (nonces and hashes only), verified from an in-memory snapshot of the
/// hashes so the hot path never touches the database. Every change (create, regenerate, delete) rebuilds the
/// snapshot before returning, so a regenerated key stops working at once.
/// </summary>
public sealed class EndpointKeyStore(IServiceScopeFactory scopes, EndpointKeyDeriver deriver, TimeProvider clock, ILogger<EndpointKeyStore> logger)
{
    private FrozenDictionary<string, KeyHashes> _hashes = FrozenDictionary<string, KeyHashes>.Empty;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>
    /// The stored hashes of one endpoint's keys, and the credentials already verified against them. A snapshot is
    /// replaced whole when a key changes, so what it remembers goes with it: a regenerated key is never accepted
    /// from memory.
    /// </summary>
    private sealed class KeyHashes(byte[] primary, byte[] secondary)
    {
        public byte[] Primary { get; } = primary;
        public byte[] Secondary { get; } = secondary;

        /// <summary>Credentials that matched <see cref="Primary"/> and <see cref="Secondary"/>; only valid keys are ever kept.</summary>
        public string? VerifiedPrimary;
        public string? VerifiedSecondary;
    }

    /// <summary>
    /// Hot path: does the credential match either key of the endpoint? A credential already verified is recognised
    /// by a constant-time comparison with the remembered one (no hashing); any other is hashed and compared with both
    /// stored hashes (constant time), and remembered when it matches. Wrong credentials are never remembered, so
    /// guessing cannot grow memory.
    /// </summary>
    public bool Verify(string endpoint, ReadOnlySpan<char> presented)
    {
        if (presented.IsEmpty || !Volatile.Read(ref _hashes).TryGetValue(endpoint, out var keys)) return false;
        var knownPrimary = SameCredential(presented, Volatile.Read(ref keys.VerifiedPrimary));
        var knownSecondary = SameCredential(presented, Volatile.Read(ref keys.VerifiedSecondary));
        if (knownPrimary | knownSecondary) return true;

        Span<byte> hash = stackalloc byte[KeyHasher.HashLength];
        KeyHasher.Hash(presented, hash);
        var primary = KeyHasher.Matches(hash, keys.Primary);
        var secondary = KeyHasher.Matches(hash, keys.Secondary);
        if (primary) Volatile.Write(ref keys.VerifiedPrimary, presented.ToString());
        if (secondary) Volatile.Write(ref keys.VerifiedSecondary, presented.ToString());
        return primary | secondary;
    }

    private static bool SameCredential(ReadOnlySpan<char> presented, string? verified) =>
        verified is not null && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(presented), MemoryMarshal.AsBytes(verified.AsSpan()));

    public async Task<EndpointKeys> GetOrCreateAsync(string endpoint, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        var row = await db.EndpointCredentials.AsNoTracking().FirstOrDefaultAsync(c => c.Endpoint == endpoint, cancellationToken);
        if (row is null)
        {
            await CreateMissingAsync(db, [endpoint], cancellationToken);
            row = await db.EndpointCredentials.AsNoTracking().FirstAsync(c => c.Endpoint == endpoint, cancellationToken);
            await ReloadAsync(db, cancellationToken);
        }
        return new EndpointKeys(
            deriver.Derive(endpoint, KeySlot.Primary, row.PrimaryNonce),
            deriver.Derive(endpoint, KeySlot.Secondary, row.SecondaryNonce));
    }

    public async Task<EndpointKeys> RegenerateAsync(string endpoint, KeySlot slot, CancellationToken cancellationToken)
    {
        await GetOrCreateAsync(endpoint, cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
            var row = await db.EndpointCredentials.FirstAsync(c => c.Endpoint == endpoint, cancellationToken);
            var nonce = EndpointKeyDeriver.NewNonce();
            var hash = KeyHasher.Hash(deriver.Derive(endpoint, slot, nonce));
            if (slot == KeySlot.Primary) (row.PrimaryNonce, row.PrimaryHash) = (nonce, hash);
            else (row.SecondaryNonce, row.SecondaryHash) = (nonce, hash);
            row.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            await ReloadAsync(db, cancellationToken);
            logger.LogInformation("Regenerated the {Slot} key of endpoint {Endpoint}", slot, endpoint);
            return new EndpointKeys(
                deriver.Derive(endpoint, KeySlot.Primary, row.PrimaryNonce),
                deriver.Derive(endpoint, KeySlot.Secondary, row.SecondaryNonce));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// After a routing-table fetch: key-auth endpoints seen for the first time get keys; keys of endpoints that no
    /// longer exist are deleted (a new endpoint with the same name must not inherit them) unless they were created
    /// after the fetch began (GET …/keys may race the table). Then the snapshot is rebuilt from the database.
    /// </summary>
    public async Task SyncAsync(RoutingSnapshot table, DateTimeOffset fetchStarted, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        var known = await db.EndpointCredentials.AsNoTracking().Select(c => new { c.Endpoint, c.CreatedAt }).ToListAsync(cancellationToken);
        var missing = table.Endpoints.Values
            .Where(e => e.AuthMode == AuthMode.Key && !known.Any(k => k.Endpoint == e.Name))
            .Select(e => e.Name)
            .ToList();
        if (missing.Count > 0) await CreateMissingAsync(db, missing, cancellationToken);

        var gone = known.Where(k => !table.Endpoints.ContainsKey(k.Endpoint) && k.CreatedAt < fetchStarted).Select(k => k.Endpoint).ToList();
        if (gone.Count > 0)
        {
            await db.EndpointCredentials.Where(c => gone.Contains(c.Endpoint) && c.CreatedAt < fetchStarted).ExecuteDeleteAsync(cancellationToken);
            logger.LogInformation("Deleted the keys of removed endpoints {Endpoints}", string.Join(", ", gone));
        }
        await ReloadAsync(db, cancellationToken);
    }

    private async Task CreateMissingAsync(GatewayDbContext db, IEnumerable<string> endpoints, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var endpoint in endpoints)
        {
            var primary = EndpointKeyDeriver.NewNonce();
            var secondary = EndpointKeyDeriver.NewNonce();
            var primaryHash = KeyHasher.Hash(deriver.Derive(endpoint, KeySlot.Primary, primary));
            var secondaryHash = KeyHasher.Hash(deriver.Derive(endpoint, KeySlot.Secondary, secondary));
            db.EndpointCredentials.Add(new EndpointCredential
            {
                Endpoint = endpoint,
                PrimaryNonce = primary,
                PrimaryHash = primaryHash,
                SecondaryNonce = secondary,
                SecondaryHash = secondaryHash,
                CreatedAt = now,
                UpdatedAt = now,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Created keys for endpoint {Endpoint}", endpoint);
            }
            catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // Two gateways (or a GET racing a refresh) created keys at once: the first one wins, ours are dropped.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task ReloadAsync(GatewayDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.EndpointCredentials.AsNoTracking().ToListAsync(cancellationToken);
        Volatile.Write(ref _hashes, rows.ToFrozenDictionary(r => r.Endpoint, r => new KeyHashes(r.PrimaryHash, r.SecondaryHash), StringComparer.Ordinal));
    }
}
