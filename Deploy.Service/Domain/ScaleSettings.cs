using Deploy.Service.Apis;

namespace Deploy.Service.Domain;

/// <summary>
/// A deployment's autoscaling (API.md's <c>scale</c>): keep between <see cref="MinInstances"/> and
/// <see cref="MaxInstances"/> instances, about <see cref="TargetConcurrentRequests"/> requests in flight per instance,
/// and scale down only after <see cref="ScaleDownDelaySeconds"/> of lower load. <c>instanceCount</c> is the start.
/// </summary>
public sealed record ScaleSettings(int MinInstances, int MaxInstances, double TargetConcurrentRequests, double ScaleDownDelaySeconds)
{
    public const double DefaultTargetConcurrentRequests = 8;
    public const double DefaultScaleDownDelaySeconds = 300;
    public const double MaxTargetConcurrentRequests = 100_000;
    public const double MaxScaleDownDelaySeconds = 24 * 3600;

    /// <summary>Validates <c>scale</c> against the deployment's instance count; null (and no error) when the body has none.</summary>
    public static ScaleSettings? Validate(ScaleRequest? request, double instanceCount, Action<string, string> fail)
    {
        if (request is null) return null;
        var ok = true;
        var min = request.MinInstances ?? 1;
        if (!IsWhole(min) || min < 1 || min > DeploymentSpec.MaxInstances)
        {
            fail("scale.minInstances", $"minInstances is a whole number from 1 to {DeploymentSpec.MaxInstances}.");
            ok = false;
        }
        if (request.MaxInstances is not { } max)
        {
            fail("scale.maxInstances", "maxInstances is required with scale (a whole number, at least minInstances).");
            return null;
        }
        if (!IsWhole(max) || max < 1 || max > DeploymentSpec.MaxInstances)
        {
            fail("scale.maxInstances", $"maxInstances is a whole number from 1 to {DeploymentSpec.MaxInstances}.");
            ok = false;
        }
        else if (ok && max < min)
        {
            fail("scale.maxInstances", "maxInstances must be at least minInstances.");
            ok = false;
        }
        var target = request.TargetConcurrentRequests ?? DefaultTargetConcurrentRequests;
        if (!double.IsFinite(target) || !(target > 0) || target > MaxTargetConcurrentRequests)
        {
            fail("scale.targetConcurrentRequests", $"targetConcurrentRequests is greater than 0 and at most {MaxTargetConcurrentRequests:0} (fractions allowed).");
            ok = false;
        }
        var delay = request.ScaleDownDelaySeconds ?? DefaultScaleDownDelaySeconds;
        if (!double.IsFinite(delay) || delay < 0 || delay > MaxScaleDownDelaySeconds)
        {
            fail("scale.scaleDownDelaySeconds", $"scaleDownDelaySeconds is from 0 to {MaxScaleDownDelaySeconds:0}.");
            ok = false;
        }
        if (ok && IsWhole(instanceCount) && (instanceCount < min || instanceCount > max))
        {
            fail("instanceCount", "With scale, instanceCount is the starting count and lies within scale.minInstances..scale.maxInstances.");
            ok = false;
        }
        return ok ? new ScaleSettings((int)min, (int)max, target, delay) : null;
    }

    private static bool IsWhole(double value) => double.IsFinite(value) && value == Math.Floor(value);
}
