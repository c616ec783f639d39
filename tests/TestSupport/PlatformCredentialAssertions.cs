using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Xunit;

namespace TestSupport;

/// <summary>
/// What every service that answers only the platform must do: a call without the platform credential, with a wrong
/// one, or with another kind of credential gets 401 problem details (REST) or UNAUTHENTICATED (gRPC); health stays open.
/// </summary>
public static class PlatformCredentialAssertions
{
    /// <summary>No credential; a wrong bearer key; a user's kind of key; Basic with the right key (only Bearer is read).</summary>
    public static IReadOnlyList<string?> NotThePlatform { get; } =
    [
        null,
        "Bearer not-the-platform-credential-0123456789",
        "Bearer " + TestPlatformCredential.Key[..^1],
        "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("platform:" + TestPlatformCredential.Key)),
    ];

    public static async Task AssertRestRefusedAsync(HttpClient anonymous, Func<HttpRequestMessage> call)
    {
        foreach (var authorization in NotThePlatform)
        {
            using var request = call();
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await anonymous.SendAsync(request);
            var what = $"{request.Method} {request.RequestUri} with '{authorization ?? "no credential"}'";
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("answers only the platform", await response.Content.ReadAsStringAsync());
        }
    }

    public static async Task AssertGrpcRefusedAsync(Func<CallOptions, Task> call)
    {
        foreach (var authorization in NotThePlatform)
        {
            var headers = authorization is null ? null : new Metadata { { "authorization", authorization } };
            var refused = await Assert.ThrowsAsync<RpcException>(() => call(new CallOptions(headers, deadline: DateTime.UtcNow.AddSeconds(30))));
            Assert.True(refused.StatusCode == StatusCode.Unauthenticated, $"with '{authorization ?? "no credential"}': {refused.Status}");
        }
    }

    /// <summary>/alive, /health and grpc.health.v1 answer callers without any credential (the app host's probes).</summary>
    public static async Task AssertHealthOpenAsync(HttpClient anonymous, ChannelBase anonymousGrpc)
    {
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/alive")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/health")).StatusCode);
        var health = await anonymousGrpc.UnaryAsync<HealthCheckRequest, HealthCheckResponse>("/grpc.health.v1.Health/Check", new());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}
