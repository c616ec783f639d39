namespace Gateway.Service.Routing;

/// <summary>
/// Weighted choice of a deployment by the endpoint's traffic split. Explicit percentages go to their deployments;
/// what is not allocated (100 − sum) goes to the default deployment. Only Healthy deployments take part: the share
/// of one that is not Healthy is spread over the others in proportion, so traffic keeps flowing during a rollout.
/// Built once per snapshot (cumulative weights), so a draw is one random number and a short scan.
/// </summary>
public sealed class TrafficSplitter
{
    private readonly DeploymentRoute[] _deployments;
    private readonly int[] _cumulative;

    private TrafficSplitter(DeploymentRoute[] deployments, int[] cumulative)
    {
        _deployments = deployments;
        _cumulative = cumulative;
    }

    public int TotalWeight => _cumulative.Length == 0 ? 0 : _cumulative[^1];

    /// <summary>Deployments that take live traffic and their weights, in draw order.</summary>
    public IReadOnlyList<(DeploymentRoute Deployment, int Weight)> Weights =>
        _deployments.Select((d, i) => (d, _cumulative[i] - (i == 0 ? 0 : _cumulative[i - 1]))).ToArray();

    public static TrafficSplitter Create(EndpointRoute endpoint)
    {
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        var allocated = 0;
        foreach (var (name, percent) in endpoint.Traffic)
        {
            if (percent <= 0) continue;
            allocated += percent;
            weights[name] = weights.GetValueOrDefault(name) + percent;
        }
        if (endpoint.DefaultDeployment is { } def && allocated < 100)
            weights[def] = weights.GetValueOrDefault(def) + (100 - allocated);

        var chosen = new List<DeploymentRoute>();
        var cumulative = new List<int>();
        var total = 0;
        // Ordinal order keeps the draw order stable across snapshots (and tests reproducible).
        foreach (var (name, weight) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (!endpoint.Deployments.TryGetValue(name, out var deployment) || !deployment.IsHealthy) continue;
            total += weight;
            chosen.Add(deployment);
            cumulative.Add(total);
        }
        return new TrafficSplitter([.. chosen], [.. cumulative]);
    }

    /// <summary>The deployment for one request, or null when no Healthy deployment takes live traffic.</summary>
    public DeploymentRoute? Choose() => Choose(Random.Shared);

    public DeploymentRoute? Choose(Random random)
    {
        if (_cumulative.Length == 0) return null;
        var draw = random.Next(_cumulative[^1]);
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (draw < _cumulative[i]) return _deployments[i];
        }
        return _deployments[^1];
    }
}
