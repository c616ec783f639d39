using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Gateway.Service.Proxy;
using Gateway.Service.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace Gateway.Service.Apis;

/// <summary>The Azure ML style data plane: score, health and the endpoint's OpenAPI document.</summary>
public static class ScoringApi
{
    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        var endpoints = app.MapGroup("/endpoints/{name}").WithTags("Scoring");
        // http.server.request.duration is left out on scoring routes: gateway.request.duration measures each of them by
        // endpoint, deployment, protocol and status (one histogram less per scored request; bench/scoring).
        // Ours or YARP's forwarder (GatewayOptions.Forwarder; bench/scoring measures both): chosen once, at start.
        if (app.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.Forwarder == "yarp")
            endpoints.MapPost("/score", (HttpContext context, string name, YarpScoringForwarder forwarder) => forwarder.ForwardAsync(context, name)).DisableHttpMetrics();
        else
            endpoints.MapPost("/score", (HttpContext context, string name, ScoringForwarder forwarder) => forwarder.ForwardAsync(context, name, NodeRoute.Score)).DisableHttpMetrics();
        endpoints.MapGet("/", GetHealthAsync);
        endpoints.MapGet("/swagger.json", GetSwaggerAsync);
        return app;
    }

    /// <summary>"Healthy" when at least one deployment is Healthy, else 503 with the reason. Same credentials as scoring.</summary>
    public static async Task<Results<Ok<string>, ProblemHttpResult>> GetHealthAsync(
        HttpContext context, string name, RoutingTableCache routing, EndpointAuthenticator authenticator)
    {
        var endpoint = routing.Current.Find(name);
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return (ProblemHttpResult)GatewayProblems.Unauthorized(context);
        return endpoint!.HasHealthyDeployment
            ? TypedResults.Ok("Healthy")
            : Problems.Status(detail: DeploymentSelector.UnavailableReason(endpoint), status: StatusCodes.Status503ServiceUnavailable);
    }

    public static async Task<IResult> GetSwaggerAsync(HttpContext context, string name, RoutingTableCache routing, EndpointAuthenticator authenticator)
    {
        var endpoint = routing.Current.Find(name);
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return GatewayProblems.Unauthorized(context);
        return TypedResults.Json(OpenApiDocumentBuilder.Build(endpoint!, endpoint!.DescribingDeployment));
    }
}
