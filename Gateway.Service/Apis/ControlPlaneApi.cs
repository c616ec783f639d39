using Gateway.Service.Auth;
using Gateway.Service.Proxy;

namespace Gateway.Service.Apis;

/// <summary>
/// <c>/api/v1</c>: every route needs the admin key. Models, computes, endpoints and deploy rules are forwarded to
/// the service that owns them (see <see cref="ControlPlaneForwarder"/> for why REST forwarding rather than gRPC);
/// endpoint keys and tokens are the gateway's own (<see cref="EndpointCredentialsApi"/>).
/// </summary>
public static class ControlPlaneApi
{
    public static IEndpointRouteBuilder MapControlPlaneApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter<AdminKeyFilter>().WithTags("Control plane");

        Forward(api, "models", "registry");
        Forward(api, "environments", "registry");
        Forward(api, "computes", "compute");
        Forward(api, "endpoints", "deploy");
        Forward(api, "deploy-rules", "deploy");

        api.MapEndpointCredentialsApi();
        return app;
    }

    private static void Forward(RouteGroupBuilder api, string resource, string service)
    {
        // "{**rest}" also matches the bare collection ("/api/v1/models"); the more specific gateway-owned routes
        // (e.g. "endpoints/{name}/keys") take precedence over it.
        api.Map($"/{resource}/{{**rest}}", (HttpContext context, ControlPlaneForwarder forwarder) => forwarder.ForwardAsync(context, service));
    }
}
