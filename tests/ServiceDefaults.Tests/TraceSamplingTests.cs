using System.Diagnostics;
using OpenTelemetry.Trace;
using ServiceDefaults.Telemetry;

namespace ServiceDefaults.Tests;

public sealed class TraceSamplingTests
{
    [Theory]
    [InlineData(null, null, typeof(ParentBasedSampler))]
    [InlineData("always_on", null, typeof(AlwaysOnSampler))]
    [InlineData("always_off", "0", typeof(AlwaysOffSampler))]
    [InlineData("traceidratio", "0.5", typeof(TraceIdRatioBasedSampler))]
    [InlineData("parentbased_traceidratio", "0.1", typeof(ParentBasedSampler))]
    [InlineData(" ParentBased_TraceIdRatio ", "1", typeof(ParentBasedSampler))]
    public void The_standard_sampler_settings_choose_the_sampler(string? sampler, string? argument, Type expected) =>
        Assert.IsType(expected, TraceSampling.From(sampler, argument));

    [Theory]
    [InlineData("sometimes", null, "OTEL_TRACES_SAMPLER")]
    [InlineData("traceidratio", "1.5", "OTEL_TRACES_SAMPLER_ARG")]
    [InlineData("parentbased_traceidratio", "half", "OTEL_TRACES_SAMPLER_ARG")]
    public void A_bad_setting_is_refused_naming_it(string sampler, string? argument, string named) =>
        Assert.Contains(named, Assert.Throws<ArgumentException>(() => TraceSampling.From(sampler, argument)).Message);

    [Theory]
    [InlineData(ActivityKind.Client, false, SamplingDecision.Drop)]
    [InlineData(ActivityKind.Producer, false, SamplingDecision.Drop)]
    [InlineData(ActivityKind.Server, false, SamplingDecision.RecordAndSample)]
    [InlineData(ActivityKind.Internal, false, SamplingDecision.RecordAndSample)]
    [InlineData(ActivityKind.Client, true, SamplingDecision.RecordAndSample)]
    public void Background_calls_are_not_recorded_but_calls_inside_a_trace_are(ActivityKind kind, bool hasParent, SamplingDecision expected)
    {
        var filter = new BackgroundCallFilter(new ParentBasedSampler(new AlwaysOnSampler()));
        var parent = hasParent ? new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded) : default;
        var decision = filter.ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), "postgresql", kind)).Decision;
        Assert.Equal(expected, decision);
    }
}
