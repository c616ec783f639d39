using System.Security.Cryptography;
using System.Text;
using Gateway.Service.Configuration;
using ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Auth;

/// <summary>
/// The gateway's own secret, in a file under DataRoot (never in the database). Endpoint keys are derived from it
/// and a random nonce kept in gatewaydb, and tokens are signed with a key derived from it: a copy of the database
/// alone yields neither keys nor the power to mint tokens.
/// </summary>
public sealed class GatewaySecret
{
    private readonly byte[] _secret;

    public GatewaySecret(IOptions<GatewayOptions> options, IConfiguration configuration)
    {
        var path = options.Value.ResolveSecretFile(configuration["DataRoot"]);
        _secret = Encoding.UTF8.GetBytes(SecretFile.ReadOrCreate(path, 64));
    }

    internal GatewaySecret(byte[] secret) => _secret = secret;

    /// <summary>A 32-byte key for one purpose (HKDF-SHA256), so each use has its own key.</summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: Encoding.UTF8.GetBytes("platform-gateway/" + purpose));
}
