using System.Diagnostics;
using System.Net;
using Gateway.Service.Apis;
using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Gateway.Service.Routing;
using Gateway.Service.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using ServiceDefaults.Http;

namespace Gateway.Service.Proxy;

/// <summary>
/// <c>/endpoints/{e}/score</c> forwarded by YARP's <see cref="IHttpForwarder"/> instead of our own
/// <see cref="ScoringForwarder"/>: the same credential check, deployment choice, least-busy replica (with its
/// in-flight count) and pooled connections (<see cref="NodeHttpClients"/>), the body streamed to the node as it
/// arrives, and YARP's header copying both ways. What it gives up against ours: no failover to another replica
/// (a streamed body cannot be sent twice) and no mirror copies. Chosen with <c>Gateway:Forwarder=yarp</c>; kept so
/// bench/scoring measures the two side by side (see GatewayOptions.Forwarder for which won).
/// </summary>
public sealed class YarpScoringForwarder(
    IHttpForwarder forwarder,
    RoutingTableCache routing,
    ScoringDeploymentChooser chooser,
    EndpointAuthenticator authenticator,
    ReplicaBalancer balancer,
    NodeHttpClients clients,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options)
{
    private readonly ForwarderRequestConfig _config = new()
    {
        ActivityTimeout = options.Value.RequestTimeout,
        Version = clients.HttpVersion,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async Task<IResult> ForwardAsync(HttpContext context, string endpointName)
    {
        var started = Stopwatch.GetTimestamp();
        var endpoint = routing.Current.Find(endpointName);
        var (status, deployment, result) = await ForwardCoreAsync(context, endpoint);
        metrics.Request(endpoint?.Name ?? "", deployment, NodeRoutes.Protocol(NodeRoute.Score), status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private async Task<(int Status, string? Deployment, IResult Result)> ForwardCoreAsync(HttpContext context, EndpointRoute? endpoint)
    {
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return (401, null, GatewayProblems.Unauthorized(context));
        if (context.Request.ContentType is { } type && !ControlPlaneBody.IsJson(type))
            return (415, null, Problems.Status(detail: $"/score takes application/json ({{\"data\": …}}), not '{type}'.",
                status: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type"));
        (endpoint, var selection) = await chooser.ChooseAsync(endpoint!, context.Request);
        if (!selection.Succeeded)
            return (selection.FailureStatus, null, Problems.Status(selection.FailureStatus, selection.FailureReason!));
        var deployment = selection.Deployment!;
        var limit = endpoint!.MaxBodyBytes > 0 ? endpoint.MaxBodyBytes : options.Value.DefaultMaxBodyBytes;
        if (context.Request.ContentLength > limit)
            return (413, deployment.Name, Problems.Status(
                detail: $"The request body is larger than the {limit} bytes endpoint '{endpoint.Name}' accepts.",
                status: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large"));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;

        var replica = balancer.Choose(deployment.Replicas);
        if (replica is null)
            return (503, deployment.Name, Problems.Status(
                detail: $"No replica of deployment '{deployment.Name}' could be reached.", status: StatusCodes.Status503ServiceUnavailable));
        ForwarderError error;
        using (balancer.Begin(replica))
        {
            var transformer = new NodeTransformer(deployment.NodeUri(replica, NodeRoute.Score), deployment.Name);
            error = await forwarder.SendAsync(context, replica.HttpAddress.OriginalString, clients.For(replica.HttpAddress), _config, transformer);
        }
        if (error == ForwarderError.None) return (context.Response.StatusCode, deployment.Name, Results.Empty);
        if (context.RequestAborted.IsCancellationRequested) return (499, deployment.Name, Results.Empty);
        // YARP has set 502 (or 504 on its activity timeout) and written nothing when the node could not be used.
        var status = error == ForwarderError.RequestTimedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status503ServiceUnavailable;
        return (status, deployment.Name, context.Response.HasStarted ? Results.Empty : Problems.Status(
            detail: $"Deployment '{deployment.Name}' could not answer ({error}).", status: status));
    }

    /// <summary>
    /// YARP's default copying, then: the node's own path (not the client's), never the client's credential (the
    /// invoker's <see cref="ServiceDefaults.Security.PlatformCredentialHandler"/> adds the platform's), and the
    /// answering deployment in <c>azureml-model-deployment</c>.
    /// </summary>
    private sealed class NodeTransformer(Uri target, string deployment) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = target;
            proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Remove(DeploymentSelector.PinHeader);
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse is not null) httpContext.Response.Headers[DeploymentSelector.PinHeader] = deployment;
            return copy;
        }
    }
}
