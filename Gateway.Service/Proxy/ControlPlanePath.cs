using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Service.Proxy;

/// <summary>
/// The one decoder of control-plane paths. The forwarded path is built from the request-target exactly as the client
/// sent it, each segment percent-decoded once (as the gateway's own routing decoded it) and encoded again in full, so
/// the owning service decodes it once more into the very same segment: <c>%252e%252e</c> stays the literal name
/// <c>%2e%2e</c> (which no rule accepts) instead of turning into <c>..</c> and climbing to the parent resource.
/// Dot segments, encoded slashes and control characters are refused outright: no resource is named so.
/// </summary>
public static class ControlPlanePath
{
    /// <summary>The path and query to forward, or the reason the path is refused (a 400).</summary>
    public static (string? PathAndQuery, string? Error) Rewrite(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') raw = context.Request.PathBase + context.Request.Path.ToUriComponent() + context.Request.QueryString;
        var queryStart = raw.IndexOf('?');
        var path = queryStart < 0 ? raw : raw[..queryStart];
        var query = queryStart < 0 ? "" : raw[queryStart..];

        var forwarded = new StringBuilder(path.Length + 16);
        foreach (var segment in path.Split('/').Skip(1))
        {
            var decoded = Uri.UnescapeDataString(segment);
            if (decoded is "." or "..") return (null, $"The path segment '{segment}' is a dot segment; name the resource itself.");
            if (decoded.Contains('/') || decoded.Contains('\\')) return (null, $"The path segment '{segment}' encodes a slash, which no resource name contains.");
            if (decoded.Any(char.IsControl)) return (null, $"The path segment '{segment}' contains control characters.");
            forwarded.Append('/').Append(Uri.EscapeDataString(decoded));
        }
        return (forwarded.Append(query).ToString(), null);
    }
}
