namespace Gateway.Service.Routing;

/// <summary>The outcome of choosing a deployment: the deployment, or the status and reason to answer with instead.</summary>
public readonly record struct DeploymentSelection(DeploymentRoute? Deployment, int FailureStatus, string? FailureReason, bool Pinned)
{
    public bool Succeeded => Deployment is not null;
}

public static class DeploymentSelector
{
    public const string PinHeader = "azureml-model-deployment";

    /// <summary>
    /// A pinned request (header <c>azureml-model-deployment</c>) goes to that deployment: 404 naming it when the
    /// endpoint has no such deployment, 503 when it is not Healthy. Otherwise the traffic split decides; 503 with
    /// the reason when no Healthy deployment takes live traffic.
    /// </summary>
    public static DeploymentSelection Select(EndpointRoute endpoint, string? pinned)
    {
        if (!string.IsNullOrEmpty(pinned))
        {
            if (!endpoint.Deployments.TryGetValue(pinned, out var deployment))
                return new(null, StatusCodes.Status404NotFound, $"Deployment '{pinned}' was not found in endpoint '{endpoint.Name}'.", true);
            if (!deployment.IsHealthy)
                return new(null, StatusCodes.Status503ServiceUnavailable, $"Deployment '{pinned}' is not Healthy: {Describe(deployment)}.", true);
            return new(deployment, 0, null, true);
        }

        var chosen = endpoint.Splitter.Choose();
        return chosen is not null
            ? new(chosen, 0, null, false)
            : new(null, StatusCodes.Status503ServiceUnavailable, UnavailableReason(endpoint), false);
    }

    public static string UnavailableReason(EndpointRoute endpoint)
    {
        if (endpoint.Deployments.Count == 0) return $"Endpoint '{endpoint.Name}' has no deployments.";
        if (!endpoint.HasHealthyDeployment)
            return $"No deployment of endpoint '{endpoint.Name}' is Healthy ({string.Join("; ", endpoint.Deployments.Values.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => $"{d.Name}: {Describe(d)}"))}).";
        return $"No Healthy deployment of endpoint '{endpoint.Name}' takes live traffic: set a traffic split or a default deployment.";
    }

    private static string Describe(DeploymentRoute d) =>
        d.State == DeploymentRoute.HealthyState && d.Replicas.Count == 0 ? "Healthy but without replicas"
        : string.IsNullOrEmpty(d.Error) ? d.State : $"{d.State} ({d.Error})";
}
