using System.Net;
using System.Text.Json;
using Gateway.Service.Routing;

namespace Gateway.Service.Auth;

/// <summary>
/// Answers "does this endpoint exist, and how does it authenticate?" for the key and token routes: from the routing
/// table when the gateway already knows the endpoint, else from Deploy (an endpoint created a moment ago may not
/// have reached the table yet). Not on the scoring path.
/// </summary>
public sealed class EndpointDirectory(RoutingTableCache routing, IHttpClientFactory httpClients)
{
    public const string DeployClient = "deploy-rest";

    /// <summary>The endpoint's auth mode and token audience, or null when Deploy does not know the endpoint.</summary>
    public async Task<EndpointIdentity?> FindAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (routing.Current.Find(endpoint) is { } known) return new(known.AuthMode, known.TokenAudience);

        var client = httpClients.CreateClient(DeployClient);
        // Resolved by service discovery (services__deploy__http__*), which the HttpClient defaults bring.
        var uri = new Uri($"http://deploy/api/v1/endpoints/{Uri.EscapeDataString(endpoint)}");
        using var response = await client.GetAsync(uri, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var authMode = json.RootElement.TryGetProperty("authMode", out var mode) && mode.ValueKind == JsonValueKind.String
            ? RoutingTableMapper.ParseAuthMode(mode.GetString()!)
            : AuthMode.Key;
        var createdAt = json.RootElement.TryGetProperty("createdAt", out var created) && created.TryGetDateTimeOffset(out var at)
            ? at.ToUnixTimeMilliseconds()
            : 0;
        return new(authMode, EndpointRoute.TokenAudienceFor(endpoint, createdAt));
    }
}

/// <summary>What the credential routes need to know of an endpoint.</summary>
public sealed record EndpointIdentity(AuthMode AuthMode, string TokenAudience);
