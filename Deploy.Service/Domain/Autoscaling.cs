namespace Deploy.Service.Domain;

/// <summary>A change of a deployment's desired instance count and why.</summary>
public sealed record ScaleDecision(int From, int To, string Reason);

/// <summary>
/// What the autoscaler remembers of one deployment between rounds: since when it watches it, and the instance counts
/// each recent round would have wanted (those within the scale-down delay).
/// </summary>
public sealed class ScaleWindow
{
    internal DateTimeOffset? WatchedSince { get; set; }
    internal Queue<(DateTimeOffset At, int Wanted)> Recommendations { get; } = new();
}

/// <summary>
/// The autoscaler's rule, apart from its probing so it reads (and tests) on its own. Each round gives the requests in
/// flight over all of a deployment's instances; the count wanted is ceil(load / target), within min..max.
/// - Up at once when the load is more than <see cref="Tolerance"/> above what the current instances are sized for.
/// - Down only to the highest count any round wanted over the last scaleDownDelaySeconds, and only once the deployment
///   has been watched that long: a dip shorter than the delay never scales down, and a count just scaled up to stays
///   at least the delay (no flapping between two counts on a load hovering at the boundary).
/// - A count outside min..max (the settings changed) is brought within at once.
/// </summary>
public static class Autoscaling
{
    /// <summary>A load up to 10 % over the target per instance does not scale up (Kubernetes' HPA tolerance).</summary>
    public const double Tolerance = 0.1;

    public static int Wanted(ScaleSettings s, double load) =>
        Math.Clamp((int)Math.Ceiling(Math.Max(0, load) / s.TargetConcurrentRequests), s.MinInstances, s.MaxInstances);

    public static ScaleDecision? Decide(ScaleSettings s, int current, double load, DateTimeOffset now, ScaleWindow window)
    {
        var wanted = Wanted(s, load);
        window.WatchedSince ??= now;
        window.Recommendations.Enqueue((now, wanted));
        var delay = TimeSpan.FromSeconds(s.ScaleDownDelaySeconds);
        while (window.Recommendations.Count > 1 && window.Recommendations.Peek().At < now - delay) window.Recommendations.Dequeue();

        if (current < s.MinInstances || current > s.MaxInstances)
        {
            var to = Math.Clamp(current, s.MinInstances, s.MaxInstances);
            return new ScaleDecision(current, to, $"{current} instance(s) lie outside scale {s.MinInstances}..{s.MaxInstances}");
        }
        if (wanted > current && load > current * s.TargetConcurrentRequests * (1 + Tolerance))
            return new ScaleDecision(current, wanted,
                $"{load:0.#} request(s) in flight over {current} instance(s), target {s.TargetConcurrentRequests:0.##} per instance");
        if (wanted < current && now - window.WatchedSince.Value >= delay)
        {
            var highest = window.Recommendations.Max(r => r.Wanted);
            if (highest < current)
                return new ScaleDecision(current, highest,
                    $"at most {highest} instance(s) needed over the last {s.ScaleDownDelaySeconds:0.#} s (now {load:0.#} request(s) in flight, target {s.TargetConcurrentRequests:0.##} per instance)");
        }
        return null;
    }
}
