namespace Deploy.Service.Domain;

/// <summary>
/// How an endpoint splits its requests: explicit live percentages per deployment, the default deployment that takes
/// whatever is not allocated, an optional control deployment, and mirror percentages (copies whose answers are dropped).
/// Immutable: <see cref="TrafficRules"/> returns a new plan or a refusal.
/// </summary>
public sealed record TrafficPlan(
    IReadOnlyList<string> Deployments,
    IReadOnlyDictionary<string, int> Traffic,
    IReadOnlyDictionary<string, int> Mirror,
    string? DefaultDeployment,
    string? ControlDeployment)
{
    public static readonly TrafficPlan Empty = new([], new Dictionary<string, int>(), new Dictionary<string, int>(), null, null);

    public int Allocated => Traffic.Values.Sum();

    /// <summary>The remainder (100 − allocated) goes to the default deployment.</summary>
    public int DefaultRemainder => DefaultDeployment is null ? 0 : 100 - Allocated;

    /// <summary>What each deployment really receives, the default's remainder included; deployments at 0% are left out.</summary>
    public IReadOnlyDictionary<string, int> EffectiveTraffic
    {
        get
        {
            var effective = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var d in Deployments)
            {
                var share = Traffic.GetValueOrDefault(d) + (d == DefaultDeployment ? DefaultRemainder : 0);
                if (share > 0) effective[d] = share;
            }
            return effective;
        }
    }

    public bool HasLiveTraffic(string deployment) =>
        Traffic.GetValueOrDefault(deployment) > 0 || (deployment == DefaultDeployment && DefaultRemainder > 0);
}

/// <summary>A broken traffic rule: <see cref="Rule"/> names it, <see cref="Field"/> is the request field at fault.</summary>
public sealed record TrafficRefusal(string Rule, string Field, string Message, bool IsConflict);

public sealed record TrafficDecision(TrafficPlan? Plan, TrafficRefusal? Refusal)
{
    public bool Accepted => Plan is not null;
    public static TrafficDecision Accept(TrafficPlan plan) => new(plan, null);
    public static TrafficDecision Refuse(string rule, string field, string message, bool conflict = false) =>
        new(null, new TrafficRefusal(rule, field, message, conflict));
}
