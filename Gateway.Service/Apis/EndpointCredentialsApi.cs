using System.Text.Json.Serialization;
using Gateway.Service.Auth;
using Gateway.Service.Proxy;
using Gateway.Service.Configuration;
using Gateway.Service.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace Gateway.Service.Apis;

/// <summary>The gateway-owned control-plane routes: an endpoint's keys, their regeneration, and tokens.</summary>
public static class EndpointCredentialsApi
{
    public static RouteGroupBuilder MapEndpointCredentialsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/endpoints/{name}/keys", GetKeysAsync);
        api.MapPost("/endpoints/{name}/keys/regenerate", RegenerateKeyAsync);
        api.MapPost("/endpoints/{name}/token", IssueTokenAsync);
        // Mirror outcomes as this gateway saw them (copies sent, answered, failed, dropped).
        api.MapGet("/endpoints/{name}/mirror/stats", (string name, Gateway.Service.Proxy.MirrorStatistics statistics) =>
            TypedResults.Ok(new { endpoint = name, deployments = statistics.Of(name) }));
        return api;
    }

    public sealed record KeysResponse(string PrimaryKey, string SecondaryKey);

    public sealed record RegenerateKeyRequest(string? KeyType);

    public sealed record TokenRequest(int? ExpiresInSeconds);

    /// <summary>As Azure ML answers: times in seconds since the Unix epoch.</summary>
    public sealed record TokenResponse(
        string AccessToken,
        long ExpiryOn,
        long RefreshAfter,
        [property: JsonPropertyName("tokenType")] string TokenType);

    public static async Task<Results<Ok<KeysResponse>, ProblemHttpResult>> GetKeysAsync(
        string name, EndpointDirectory directory, EndpointKeyStore keys, CancellationToken cancellationToken)
    {
        if ((await RequireModeAsync(name, AuthMode.Key, directory, cancellationToken)).Problem is { } problem) return problem;
        var current = await keys.GetOrCreateAsync(name, cancellationToken);
        return TypedResults.Ok(new KeysResponse(current.PrimaryKey, current.SecondaryKey));
    }

    public static async Task<Results<Ok<KeysResponse>, ValidationProblem, ProblemHttpResult>> RegenerateKeyAsync(
        string name, RegenerateKeyRequest? request, EndpointDirectory directory, EndpointKeyStore keys, CancellationToken cancellationToken)
    {
        KeySlot slot;
        switch (request?.KeyType?.ToLowerInvariant())
        {
            case "primary": slot = KeySlot.Primary; break;
            case "secondary": slot = KeySlot.Secondary; break;
            default:
                return Problems.Invalid(new Dictionary<string, string[]>
                {
                    ["keyType"] = ["keyType is required and must be 'primary' or 'secondary'."],
                });
        }
        if ((await RequireModeAsync(name, AuthMode.Key, directory, cancellationToken)).Problem is { } problem) return problem;
        var current = await keys.RegenerateAsync(name, slot, cancellationToken);
        return TypedResults.Ok(new KeysResponse(current.PrimaryKey, current.SecondaryKey));
    }

    /// <summary>
    /// A token for an endpoint with token auth. <c>expiresInSeconds</c> (optional, 1 … Gateway:TokenLifetime) asks
    /// for a shorter life, e.g. for a job that should not hold a credential longer than it runs.
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueTokenAsync(
        string name, HttpRequest http, EndpointDirectory directory, TokenService tokens, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        TokenRequest? request = null;
        if (ControlPlaneBody.IsPresent(http))
        {
            if (!ControlPlaneBody.IsJson(http.ContentType))
                return Problems.Status(detail: $"The token request takes an application/json body, not '{http.ContentType ?? "(none)"}'.",
                    status: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");
            try
            {
                request = await http.ReadFromJsonAsync<TokenRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return Problems.Invalid(new Dictionary<string, string[]> { ["body"] = ["The body must be a JSON object."] });
            }
        }
        var maxSeconds = (int)Math.Min(int.MaxValue, options.Value.TokenLifetime.TotalSeconds);
        if (request?.ExpiresInSeconds is { } seconds && (seconds < 1 || seconds > maxSeconds))
            return Problems.Invalid(new Dictionary<string, string[]>
            {
                ["expiresInSeconds"] = [$"expiresInSeconds must be between 1 and {maxSeconds}."],
            });
        var (identity, problem) = await RequireModeAsync(name, AuthMode.Token, directory, cancellationToken);
        if (problem is not null) return problem;

        var token = tokens.Issue(identity!.TokenAudience, request?.ExpiresInSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
        return TypedResults.Ok(new TokenResponse(token.AccessToken, token.ExpiryOn.ToUnixTimeSeconds(), token.RefreshAfter.ToUnixTimeSeconds(), "Bearer"));
    }

    private static async Task<(EndpointIdentity? Identity, ProblemHttpResult? Problem)> RequireModeAsync(
        string name, AuthMode required, EndpointDirectory directory, CancellationToken cancellationToken)
    {
        EndpointIdentity? identity;
        try
        {
            identity = await directory.FindAsync(name, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return (null, Problems.Status(detail: "The deploy service is unavailable.", status: StatusCodes.Status503ServiceUnavailable));
        }
        if (identity is null)
            return (null, Problems.Status(detail: $"Endpoint '{name}' was not found.", status: StatusCodes.Status404NotFound));
        if (identity.AuthMode != required)
            return (null, Problems.Status(
                detail: $"Endpoint '{name}' uses {identity.AuthMode.ToString().ToLowerInvariant()} auth; this needs {required.ToString().ToLowerInvariant()} auth.",
                status: StatusCodes.Status409Conflict));
        return (identity, null);
    }
}
