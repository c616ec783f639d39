using Gateway.Service.Routing;

namespace Gateway.Service.Auth;

/// <summary>
/// Checks a data-plane credential against an endpoint's auth mode, from memory only. An unknown endpoint fails
/// exactly like a wrong credential, so a caller without a credential learns nothing about which endpoints exist.
/// </summary>
public sealed class EndpointAuthenticator(EndpointKeyStore keys, TokenService tokens)
{
    public async ValueTask<bool> IsAllowedAsync(EndpointRoute? endpoint, string? authorization)
    {
        if (endpoint is null) return false;
        switch (endpoint.AuthMode)
        {
            case AuthMode.None:
                return true;
            case AuthMode.Key:
                return keys.Verify(endpoint.Name, BearerCredential.From(authorization));
            case AuthMode.Token:
                var token = BearerCredential.From(authorization);
                return !token.IsEmpty && await tokens.ValidateAsync(endpoint.TokenAudience, token.ToString());
            default:
                return false;
        }
    }
}
