using System.Diagnostics;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// Drops root spans of outgoing calls (client and producer spans without a parent): those are background work — the
/// outbox relay polling its table every second, heartbeats, health watching — not calls made for a request. Recorded,
/// they would crowd every request's trace out of the dashboard. Calls made inside a recorded trace are kept, and a
/// server that receives an unrecorded call records nothing for it (the parent-based sampler follows the caller).
/// </summary>
public sealed class BackgroundCallFilter(Sampler inner) : Sampler
{
    public Sampler Inner { get; } = inner;

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.ParentContext.TraceId == default && samplingParameters.Kind is ActivityKind.Client or ActivityKind.Producer
            ? new SamplingResult(SamplingDecision.Drop)
            : Inner.ShouldSample(samplingParameters);
}
