using ServiceDefaults.Security;

namespace TestSupport;

/// <summary>
/// The platform credential the in-process services of a test run are given (<c>Platform:InternalKey</c>): Registry,
/// Compute, Deploy and the nodes answer only calls that carry it, so the tests' clients send it as the gateway would.
/// </summary>
public static class TestPlatformCredential
{
    public const string Setting = "Platform:InternalKey";

    public static PlatformCredential Credential { get; } = new("tests-platform-credential-" + Guid.NewGuid().ToString("N"));

    public static string Key => Credential.Key;

    /// <summary>A handler that adds the credential to every request, in front of <paramref name="inner"/>.</summary>
    public static DelegatingHandler Handler(HttpMessageHandler inner) => new PlatformCredentialHandler(Credential) { InnerHandler = inner };

    public static void Authorize(HttpClient client) => client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Credential.AuthorizationHeader);
}
