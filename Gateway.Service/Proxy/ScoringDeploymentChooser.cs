using Gateway.Service.Auth;
using Gateway.Service.Routing;

namespace Gateway.Service.Proxy;

/// <summary>
/// The deployment a REST scoring request goes to, for our forwarder and YARP's alike: chosen from the table in
/// memory and, when that would refuse the request 503, from a fresh table (<see cref="RoutingTableRefresher.RecheckAsync"/>)
/// whose entry the caller's credential must pass again.
/// </summary>
public sealed class ScoringDeploymentChooser(RoutingTableRefresher refresher, EndpointAuthenticator authenticator)
{
    public async ValueTask<(EndpointRoute Endpoint, DeploymentSelection Selection)> ChooseAsync(EndpointRoute endpoint, HttpRequest request)
    {
        var selection = DeploymentSelector.Select(endpoint, request.Headers[DeploymentSelector.PinHeader]);
        if (selection.FailureStatus == StatusCodes.Status503ServiceUnavailable
            && await refresher.RecheckAsync(endpoint.Name, request.HttpContext.RequestAborted) is { } fresh
            && await authenticator.IsAllowedAsync(fresh, request.Headers.Authorization))
            return (fresh, DeploymentSelector.Select(fresh, request.Headers[DeploymentSelector.PinHeader]));
        return (endpoint, selection);
    }
}
