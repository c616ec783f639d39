using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace ServiceDefaults.Security;

/// <summary>
/// Makes every endpoint of a service demand the <see cref="PlatformCredential"/> (ASP.NET Core authentication with a
/// fallback authorization policy), except those marked <c>AllowAnonymous</c>: the health probes. A refused REST call
/// gets 401 problem details; a refused gRPC call gets UNAUTHENTICATED, as gRPC clients expect.
/// </summary>
public static class PlatformAuthentication
{
    public const string Scheme = "Platform";

    public static IHostApplicationBuilder AddPlatformCredential(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPlatformCredential();
        builder.Services.AddHostedService<PlatformCredentialCheck>();
        return builder;
    }

    /// <summary>The credential from configuration, once per process (callers that only send it register it this way too).</summary>
    public static IServiceCollection AddPlatformCredential(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => PlatformCredential.FromConfiguration(provider.GetRequiredService<IConfiguration>()));
        return services;
    }

    /// <summary>Every request of this HttpClient carries the platform credential: for clients that call our services.</summary>
    public static IHttpClientBuilder AddPlatformCredentialHandler(this IHttpClientBuilder builder)
    {
        builder.Services.AddPlatformCredential();
        return builder.AddHttpMessageHandler(provider => new PlatformCredentialHandler(provider.GetRequiredService<PlatformCredential>()));
    }

    public static IHostApplicationBuilder AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformCredential();
        builder.Services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, PlatformAuthenticationHandler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build());
        return builder;
    }
}

/// <summary>Reads the credential as the host starts, so a service without one stops at once with the reason, not on its first call.</summary>
internal sealed class PlatformCredentialCheck(PlatformCredential credential) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = credential; // constructed by now: a missing or unreadable key has already stopped the host
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class PlatformAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PlatformCredential credential) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly ClaimsPrincipal Platform = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "platform")], PlatformAuthentication.Scheme));
    private static readonly AuthenticateResult Success = AuthenticateResult.Success(new AuthenticationTicket(Platform, PlatformAuthentication.Scheme));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization;
        if (authorization.Count == 0) return Task.FromResult(AuthenticateResult.NoResult());
        return Task.FromResult(credential.Accepts(authorization) ? Success : AuthenticateResult.Fail("The platform credential is wrong."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        const string message = "This service answers only the platform: call it through the gateway.";
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A trailers-only gRPC answer: HTTP 200 with the status in the headers (gRPC over HTTP/2, "Responses").
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = "application/grpc";
            Response.Headers["grpc-status"] = "16";
            Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Status(StatusCodes.Status401Unauthorized, message).ExecuteAsync(Context);
    }
}
