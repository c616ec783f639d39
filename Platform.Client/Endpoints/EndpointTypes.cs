namespace Platform.Client;

/// <summary>An online endpoint (API.md's Endpoints section).</summary>
public sealed record Endpoint(
    string Name,
    string AuthMode,
    string? Description,
    IReadOnlyDictionary<string, string>? Tags,
    string ScoringUri,
    string SwaggerUri,
    IReadOnlyDictionary<string, int> Traffic,
    IReadOnlyDictionary<string, int> MirrorTraffic,
    string? DefaultDeployment,
    string? ControlDeployment,
    string ProvisioningState,
    long MaxBodyBytes,
    IReadOnlyList<string> Deployments,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The body of <c>PUT /api/v1/endpoints/{name}</c>.</summary>
public sealed record EndpointSpec
{
    /// <summary><c>key</c> (the default), <c>token</c> or <c>none</c>.</summary>
    public string? AuthMode { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public long? MaxBodyBytes { get; init; }
}

public sealed record EndpointKeys(string PrimaryKey, string SecondaryKey);

/// <summary>As Azure ML answers: times in seconds since the Unix epoch.</summary>
public sealed record EndpointToken(string AccessToken, long ExpiryOn, long RefreshAfter, string? TokenType)
{
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(ExpiryOn);
}
