using Microsoft.Net.Http.Headers;

namespace Gateway.Service.Auth;

public static class BearerCredential
{
    /// <summary>The credential of an <c>Authorization: Bearer …</c> header (scheme case-insensitive), or empty.</summary>
    public static ReadOnlySpan<char> From(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization)) return default;
        var value = authorization.AsSpan().Trim();
        const string scheme = "Bearer ";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return default;
        return value[scheme.Length..].Trim();
    }

    public static ReadOnlySpan<char> From(HttpRequest request) => From(request.Headers[HeaderNames.Authorization].ToString());
}
