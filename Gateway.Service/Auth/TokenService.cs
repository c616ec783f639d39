using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Gateway.Service.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Auth;

public sealed record IssuedToken(string AccessToken, DateTimeOffset ExpiryOn, DateTimeOffset RefreshAfter);

/// <summary>
/// Tokens for endpoints with <c>token</c> auth: JWTs signed (HS256) with a key derived from the gateway secret, the
/// endpoint's identity as audience (<see cref="Routing.EndpointRoute.TokenAudience"/>: its name and creation time, so a
/// token dies with its endpoint and opens no later endpoint of the same name), an expiry, and a refresh-by time at half the lifetime (as Azure ML does). Refused once
/// expired, with no clock skew allowance: "expired" means expired.
/// </summary>
public sealed class TokenService(GatewaySecret secret, TimeProvider clock, IOptions<GatewayOptions> options)
{
    public const string Issuer = "platform-gateway";

    private readonly SymmetricSecurityKey _signingKey = new(secret.DeriveKey("token-signing")) { KeyId = "gateway-1" };
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public IssuedToken Issue(string audience, TimeSpan? lifetime = null)
    {
        var now = clock.GetUtcNow();
        var life = lifetime ?? options.Value.TokenLifetime;
        // JWT times are whole seconds: round the expiry down so that expiryOn is exactly what is enforced.
        var expiry = DateTimeOffset.FromUnixTimeSeconds((now + life).ToUnixTimeSeconds());
        var refreshAfter = DateTimeOffset.FromUnixTimeSeconds((now + life / 2).ToUnixTimeSeconds());
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddSeconds(-1),
            Expires = expiry.UtcDateTime,
            Claims = new Dictionary<string, object> { ["refresh_after"] = refreshAfter.ToUnixTimeSeconds() },
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.HmacSha256),
        });
        return new IssuedToken(token, expiry, refreshAfter);
    }

    public async ValueTask<bool> ValidateAsync(string audience, string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKey = _signingKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires is { } e && now < e && (notBefore is not { } nb || nb <= now);
            },
        });
        return result.IsValid;
    }
}
