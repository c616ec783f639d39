using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Gateway.Service.Routing;
using ServiceDefaults.Http;
using ServiceDefaults.Security;

namespace Gateway.Service.Proxy;

/// <summary>
/// Forwards a control-plane request as-is to the service that owns the resource and streams the answer back:
/// method, path, query, headers and body go through unchanged (the admin key excepted: it stops here, and the platform
/// credential the services demand takes its place), and the
/// service's status code and problem details come back unchanged. Bodies are streamed both ways, never buffered,
/// so a multi-gigabyte model upload costs the gateway only a copy buffer.
///
/// Design decision (deviation from ARCHITECTURE.md, which says "by calling the services over gRPC"): forwarding
/// REST keeps one definition of each API, in the service that owns it, instead of a second REST-to-gRPC mapping here.
/// </summary>
public sealed class ControlPlaneForwarder(
    ServiceBaseAddresses addresses, RoutingTableRefresher routing, PlatformCredential credential, ILogger<ControlPlaneForwarder> logger) : IDisposable
{
    // Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself.
    private static readonly HashSet<string> SkippedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Host", "Authorization", "Expect",
    };

    private static readonly HashSet<string> SkippedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Server", "Date",
    };

    // No resilience handler and no overall timeout: a control-plane POST is not safe to repeat, and uploads may be long.
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    public async Task<IResult> ForwardAsync(HttpContext context, string service)
    {
        // A resolved base address, not service discovery's resolving handler: the target URI below must stay as encoded.
        var baseAddress = (await addresses.ResolveAllAsync(service, cancellationToken: context.RequestAborted)).FirstOrDefault();
        if (baseAddress is null)
            return Problems.Unavailable($"The {service} service has no configured address.");

        var (pathAndQuery, pathError) = ControlPlanePath.Rewrite(context);
        if (pathError is not null)
            return Problems.Invalid("path", pathError, "The request path is not valid.");
        // Already fully encoded: no further canonicalization may turn an encoded segment into a different one.
        var target = new Uri(baseAddress.GetLeftPart(UriPartial.Authority) + pathAndQuery,
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target) { Version = HttpVersion.Version11 };
        if (ControlPlaneBody.IsPresent(context.Request))
        {
            if (ControlPlaneBody.Check(context) is { } refused) return refused;
            request.Content = new StreamContent(context.Request.Body, 81920);
        }
        foreach (var (name, values) in context.Request.Headers)
        {
            if (SkippedRequestHeaders.Contains(name)) continue;
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        request.Headers.TryAddWithoutValidation("Authorization", credential.AuthorizationHeader);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", context.Request.Host.Value);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", context.Request.Scheme);
        if (context.Connection.RemoteIpAddress is { } ip) request.Headers.TryAddWithoutValidation("X-Forwarded-For", ip.ToString());

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, context.RequestAborted);
        }
        catch (HttpRequestException ex) when (ClientFaultExceptionHandler.FindBadRequest(ex) is { } clientFault)
        {
            // Reading the client's body failed (too large, too slow): the client's fault, reported as such, not an outage.
            throw clientFault;
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "The {Service} service at {Address} is unreachable", service, baseAddress);
            return Problems.Unavailable($"The {service} service is unavailable.");
        }

        using (response)
        {
            if (service == "deploy" && !HttpMethods.IsGet(context.Request.Method) && response.IsSuccessStatusCode)
                await AwaitRoutingAsync(context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            CopyHeaders(response.Headers, context, baseAddress);
            CopyHeaders(response.Content.Headers, context, baseAddress);
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        return Results.Empty;
    }

    /// <summary>
    /// A change to endpoints or deployments is answered once this gateway's routing table has it (or after 2 s), so
    /// the caller's next scoring request finds what the answer said exists.
    /// </summary>
    private async Task AwaitRoutingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await routing.RefreshNowAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogDebug("The routing table was not refreshed within 2 s of a control-plane change; the answer goes out anyway");
        }
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders headers, HttpContext context, Uri baseAddress)
    {
        foreach (var (name, values) in headers)
        {
            if (SkippedResponseHeaders.Contains(name)) continue;
            var value = values.ToArray();
            // An absolute Location pointing at the service becomes a gateway-relative one: clients only know the gateway.
            if (name.Equals("Location", StringComparison.OrdinalIgnoreCase) && value.Length == 1 &&
                Uri.TryCreate(value[0], UriKind.Absolute, out var location) && location.Authority == baseAddress.Authority)
                value = [location.PathAndQuery];
            context.Response.Headers[name] = value;
        }
    }

    public void Dispose() => _client.Dispose();
}
