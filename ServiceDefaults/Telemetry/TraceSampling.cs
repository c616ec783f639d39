using System.Globalization;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// The sampler named by the standard <c>OTEL_TRACES_SAMPLER</c> / <c>OTEL_TRACES_SAMPLER_ARG</c> settings, read by us so
/// the choice does not depend on which of them a given SDK version reads itself. Unset: record everything (the SDK's
/// default, parent-based always-on). A bad value is refused at start rather than silently ignored.
/// </summary>
public static class TraceSampling
{
    public static Sampler From(string? sampler, string? argument)
    {
        double Ratio()
        {
            if (string.IsNullOrWhiteSpace(argument)) return 1.0;
            if (!double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || double.IsNaN(ratio) || ratio is < 0 or > 1)
                throw new ArgumentException($"OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, not '{argument}'.");
            return ratio;
        }

        return (sampler ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "traceidratio" => new TraceIdRatioBasedSampler(Ratio()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(Ratio())),
            var other => throw new ArgumentException(
                $"OTEL_TRACES_SAMPLER '{other}' is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio."),
        };
    }
}
