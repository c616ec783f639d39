using System.Security.Cryptography;
using System.Text;

namespace Gateway.Service.Auth;

/// <summary>
/// An endpoint key is HMAC-SHA256(derived secret, endpoint ‖ slot ‖ 32-byte random nonce), base64url: 256 bits
/// that only the holder of the gateway secret can recompute. This is how <c>GET …/keys</c> can show keys while
/// gatewaydb keeps only their nonces and SHA-256 hashes. Regenerating draws a new nonce, so the old key is gone.
/// </summary>
public sealed class EndpointKeyDeriver(GatewaySecret secret)
{
    public const int NonceLength = 32;

    private readonly byte[] _key = secret.DeriveKey("endpoint-keys");

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceLength);

    public string Derive(string endpoint, KeySlot slot, byte[] nonce)
    {
        var label = Encoding.UTF8.GetBytes(endpoint + "\n" + (slot == KeySlot.Primary ? "primary" : "secondary") + "\n");
        var message = new byte[label.Length + nonce.Length];
        label.CopyTo(message, 0);
        nonce.CopyTo(message, label.Length);
        return System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(_key, message));
    }
}
