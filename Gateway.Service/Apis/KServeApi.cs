using System.Text.Json.Nodes;
using Gateway.Service.Auth;
using Gateway.Service.Proxy;
using Gateway.Service.Routing;
using ServiceDefaults.Http;

namespace Gateway.Service.Apis;

/// <summary>
/// KServe v2 / Open Inference Protocol over REST, where the "model" is the endpoint: the same credentials and the
/// same traffic split as <c>/endpoints/{name}/score</c>; inference is forwarded to the chosen deployment's node.
/// </summary>
public static class KServeApi
{
    public static IEndpointRouteBuilder MapKServeApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("KServe v2");
        v2.MapGet("/", () => TypedResults.Ok(new { name = "platform-gateway", version = "2", extensions = new[] { "binary_tensor_data" } }));
        v2.MapGet("/health/live", () => TypedResults.Ok());
        v2.MapGet("/health/ready", (RoutingTableCache routing) =>
            routing.IsLoaded ? Results.Ok() : Problems.Status(detail: "The routing table has not been loaded yet.", status: StatusCodes.Status503ServiceUnavailable));
        v2.MapGet("/models/{name}", GetMetadataAsync);
        v2.MapGet("/models/{name}/ready", GetReadyAsync);
        v2.MapPost("/models/{name}/infer", (HttpContext context, string name, ScoringForwarder forwarder) => forwarder.ForwardAsync(context, name, NodeRoute.V2Infer))
            .DisableHttpMetrics(); // gateway.request.duration measures it (ScoringApi)
        return app;
    }

    /// <summary>Model metadata from the routing table (no node call): the endpoint's name, its inputs and outputs.</summary>
    public static async Task<IResult> GetMetadataAsync(HttpContext context, string name, RoutingTableCache routing, EndpointAuthenticator authenticator)
    {
        var endpoint = routing.Current.Find(name);
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return GatewayProblems.Unauthorized(context);
        var deployment = endpoint!.DescribingDeployment;
        return TypedResults.Json(new JsonObject
        {
            ["name"] = endpoint.Name,
            ["versions"] = new JsonArray([.. endpoint.Deployments.Values.Select(d => (JsonNode)d.Model).Distinct()]),
            ["platform"] = "onnxruntime_onnx",
            ["inputs"] = Tensors(deployment?.Inputs ?? []),
            ["outputs"] = Tensors(deployment?.Outputs ?? []),
        });
    }

    public static async Task<IResult> GetReadyAsync(HttpContext context, string name, RoutingTableCache routing, EndpointAuthenticator authenticator)
    {
        var endpoint = routing.Current.Find(name);
        if (!await authenticator.IsAllowedAsync(endpoint, context.Request.Headers.Authorization))
            return GatewayProblems.Unauthorized(context);
        return endpoint!.HasHealthyDeployment
            ? TypedResults.Ok(new { name = endpoint.Name, ready = true })
            : Problems.Status(detail: DeploymentSelector.UnavailableReason(endpoint), status: StatusCodes.Status503ServiceUnavailable);
    }

    private static JsonArray Tensors(IEnumerable<TensorDescription> tensors) =>
        new([.. tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["datatype"] = t.Datatype,
            ["shape"] = new JsonArray([.. t.Shape.Select(d => (JsonNode)d)]),
        })]);
}
