namespace Gateway.Service.Proxy;

/// <summary>Which data-plane API of the node a gateway route forwards to.</summary>
public enum NodeRoute
{
    /// <summary>Azure ML style: <c>POST /models/{model}/score</c>.</summary>
    Score,
    /// <summary>KServe v2 REST: <c>POST /v2/models/{model}/infer</c>.</summary>
    V2Infer,
}

public static class NodeRoutes
{
    public static string PathFor(NodeRoute route, string nodeModelName) => route switch
    {
        NodeRoute.Score => $"/models/{Uri.EscapeDataString(nodeModelName)}/score",
        NodeRoute.V2Infer => $"/v2/models/{Uri.EscapeDataString(nodeModelName)}/infer",
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    public static string Protocol(NodeRoute route) => route == NodeRoute.Score ? "score" : "v2";
}
