namespace Deploy.Service.Domain;

/// <summary>
/// The traffic rules of an endpoint, after Azure ML's online endpoints:
/// at most 6 deployments; integer percentages 0–100 whose sum is at most 100; the remainder goes to the default
/// deployment (the first one created unless another is marked default); at most one control deployment (the others
/// are treatments); mirror traffic at most 50% in total and only to deployments that receive no live traffic.
/// Pure: every change returns a new <see cref="TrafficPlan"/> or a refusal naming the broken rule.
/// </summary>
public static class TrafficRules
{
    public const int MaxDeployments = 6;
    public const int MaxMirrorPercent = 50;

    public const string MaxDeploymentsRule = "max-deployments";
    public const string IntegerPercentRule = "integer-percent";
    public const string PercentRangeRule = "percent-range";
    public const string TrafficSumRule = "traffic-sum";
    public const string UnknownDeploymentRule = "unknown-deployment";
    public const string SingleControlRule = "single-control";
    public const string MirrorLimitRule = "mirror-limit";
    public const string MirrorTargetLiveRule = "mirror-target-live";

    /// <summary>Creates or updates a deployment's place in the plan. A null traffic percent keeps the current one (0 for a new deployment).</summary>
    public static TrafficDecision UpsertDeployment(TrafficPlan plan, string name, bool isDefault, bool isControl, double? trafficPercent)
    {
        var exists = plan.Deployments.Contains(name);
        if (!exists && plan.Deployments.Count >= MaxDeployments)
            return TrafficDecision.Refuse(MaxDeploymentsRule, "deployment",
                $"An endpoint has at most {MaxDeployments} deployments; delete one before adding '{name}'.", conflict: true);

        var traffic = new Dictionary<string, int>(plan.Traffic, StringComparer.Ordinal);
        if (trafficPercent is { } requested)
        {
            if (CheckPercent(requested, 100, "trafficPercentile") is { } refusal) return refusal;
            SetShare(traffic, name, (int)requested);
            if (traffic.Values.Sum() > 100)
                return TrafficDecision.Refuse(TrafficSumRule, "trafficPercentile",
                    $"Traffic percentages must sum to at most 100; with {(int)requested}% for '{name}' they would sum to {traffic.Values.Sum()}.");
        }

        var control = plan.ControlDeployment;
        if (isControl)
        {
            if (control is not null && control != name)
                return TrafficDecision.Refuse(SingleControlRule, "isControl",
                    $"An endpoint has at most one control deployment and '{control}' is already it.", conflict: true);
            control = name;
        }
        else if (control == name)
        {
            control = null;
        }

        // The first deployment becomes the default; marking another as default moves it. Un-marking the current default
        // is ignored: the remainder must always go somewhere, so only naming another default moves it.
        var defaultDeployment = isDefault || plan.DefaultDeployment is null ? name : plan.DefaultDeployment;
        var deployments = exists ? plan.Deployments : [.. plan.Deployments, name];

        return CheckMirrorTargets(plan with
        {
            Deployments = deployments,
            Traffic = traffic,
            DefaultDeployment = defaultDeployment,
            ControlDeployment = control,
        }, "trafficPercentile");
    }

    /// <summary>Replaces the explicit live traffic split (PUT …/traffic). Deployments left out get 0% (the default still takes the remainder).</summary>
    public static TrafficDecision SetTraffic(TrafficPlan plan, IReadOnlyDictionary<string, double> split)
    {
        var traffic = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (deployment, percent) in split)
        {
            if (!plan.Deployments.Contains(deployment))
                return TrafficDecision.Refuse(UnknownDeploymentRule, deployment, $"The endpoint has no deployment '{deployment}'.");
            if (CheckPercent(percent, 100, deployment) is { } refusal) return refusal;
            SetShare(traffic, deployment, (int)percent);
        }
        if (traffic.Values.Sum() > 100)
            return TrafficDecision.Refuse(TrafficSumRule, "traffic", $"Traffic percentages must sum to at most 100, not {traffic.Values.Sum()}.");

        return CheckMirrorTargets(plan with { Traffic = traffic }, "traffic");
    }

    /// <summary>Replaces the mirror split (PUT …/mirror): at most 50% in total, only to deployments with no live traffic.</summary>
    public static TrafficDecision SetMirror(TrafficPlan plan, IReadOnlyDictionary<string, double> split)
    {
        var mirror = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (deployment, percent) in split)
        {
            if (!plan.Deployments.Contains(deployment))
                return TrafficDecision.Refuse(UnknownDeploymentRule, deployment, $"The endpoint has no deployment '{deployment}'.");
            if (CheckPercent(percent, MaxMirrorPercent, deployment, MirrorLimitRule) is { } refusal) return refusal;
            SetShare(mirror, deployment, (int)percent);
        }
        if (mirror.Values.Sum() > MaxMirrorPercent)
            return TrafficDecision.Refuse(MirrorLimitRule, "mirror",
                $"Mirror traffic is at most {MaxMirrorPercent}% in total, not {mirror.Values.Sum()}%.");

        return CheckMirrorTargets(plan with { Mirror = mirror }, "mirror");
    }

    /// <summary>
    /// Removes a deployment: its live share goes back to the default. When it was the default, the oldest remaining
    /// deployment that is not a mirror target takes over (else the oldest, whose mirror copy is then dropped).
    /// Never refused: deleting must always be possible.
    /// </summary>
    public static TrafficPlan RemoveDeployment(TrafficPlan plan, string name)
    {
        var deployments = plan.Deployments.Where(d => d != name).ToList();
        var traffic = plan.Traffic.Where(kv => kv.Key != name).ToDictionary(StringComparer.Ordinal);
        var mirror = plan.Mirror.Where(kv => kv.Key != name).ToDictionary(StringComparer.Ordinal);
        var defaultDeployment = plan.DefaultDeployment;
        if (defaultDeployment == name || defaultDeployment is null)
            defaultDeployment = deployments.FirstOrDefault(d => !mirror.ContainsKey(d)) ?? deployments.FirstOrDefault();

        var next = new TrafficPlan(deployments, traffic, mirror, defaultDeployment,
            plan.ControlDeployment == name ? null : plan.ControlDeployment);
        // A mirror target that became live (it is the new default and takes the remainder) stops being mirrored.
        var live = mirror.Keys.Where(next.HasLiveTraffic).ToList();
        foreach (var d in live) mirror.Remove(d);
        return next;
    }

    private static TrafficDecision? CheckPercent(double percent, int max, string field, string rangeRule = PercentRangeRule)
    {
        if (double.IsNaN(percent) || percent != Math.Floor(percent))
            return TrafficDecision.Refuse(IntegerPercentRule, field, $"Percentages are whole numbers; {percent} is not.");
        if (percent < 0 || percent > max)
            return TrafficDecision.Refuse(rangeRule, field, $"A percentage here is between 0 and {max}; {percent} is not.");
        return null;
    }

    private static void SetShare(Dictionary<string, int> shares, string deployment, int percent)
    {
        if (percent == 0) shares.Remove(deployment);
        else shares[deployment] = percent;
    }

    private static TrafficDecision CheckMirrorTargets(TrafficPlan plan, string field)
    {
        foreach (var target in plan.Mirror.Keys.Order(StringComparer.Ordinal))
        {
            if (plan.HasLiveTraffic(target))
                return TrafficDecision.Refuse(MirrorTargetLiveRule, field,
                    $"'{target}' receives mirrored traffic, so it cannot also receive live traffic; mirror only to a deployment with no live traffic.",
                    conflict: true);
        }
        return TrafficDecision.Accept(plan);
    }
}
