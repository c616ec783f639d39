using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
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
    private const string SuppressAutoDefaultSchemeSwitch = "Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme";

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

    /// <summary>
    /// Who may call: ASP.NET Core authorization with a fallback policy (an authenticated caller everywhere but
    /// <c>AllowAnonymous</c>), a refusal answered by the <see cref="Scheme"/> handler's challenge. Who the caller is
    /// comes from <see cref="UsePlatformAuthentication"/>: the credential is one header compared with a key in memory,
    /// and measured on the node under scoring load (bench/scoring), running it as an authentication scheme cost a
    /// handler, a DI lookup, a claims transformation and five task/result objects per request, about a fifth of all
    /// the node allocated per scored request, for the same comparison.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformCredential();
        builder.Services.AddSingleton<PlatformAuthenticationMarker>();
        // No default authenticate scheme, not even the one ASP.NET Core makes of a lone scheme: nothing authenticates
        // per request but the credential check (read when the authentication options are first built).
        AppContext.SetSwitch(SuppressAutoDefaultSchemeSwitch, true);
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = Scheme;
                options.DefaultForbidScheme = Scheme;
            })
            .AddScheme<AuthenticationSchemeOptions, PlatformAuthenticationHandler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>
    /// The caller of a request that carries the platform credential is the platform; any other caller stays anonymous,
    /// and authorization (next) refuses it wherever the fallback policy applies. Called by <c>MapDefaultEndpoints</c>
    /// for services that added <see cref="AddPlatformAuthentication"/>.
    /// </summary>
    public static WebApplication UsePlatformAuthentication(this WebApplication app)
    {
        var credential = app.Services.GetRequiredService<PlatformCredential>();
        app.Use((context, next) =>
        {
            if (credential.Accepts(context.Request.Headers.Authorization)) context.User = PlatformAuthenticationHandler.Platform;
            return next(context);
        });
        app.UseAuthorization();
        return app;
    }

    /// <summary>Whether this service demands the platform credential (it called <see cref="AddPlatformAuthentication"/>).</summary>
    public static bool UsesPlatformAuthentication(this IServiceProvider services) => services.GetService<PlatformAuthenticationMarker>() is not null;

    private sealed class PlatformAuthenticationMarker;
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
    public static readonly ClaimsPrincipal Platform = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "platform")], PlatformAuthentication.Scheme));
    private static readonly AuthenticateResult Success = AuthenticateResult.Success(new AuthenticationTicket(Platform, PlatformAuthentication.Scheme));

    // Not on the request path (no default authenticate scheme; UsePlatformAuthentication sets the caller): it answers
    // an explicit AuthenticateAsync("Platform") with the same check.
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
