using Inference.Service.Scheduling;
using Inference.Service.Runtime;

namespace Inference.Service.Models;

/// <summary>A model this node knows: ready with its session and scheduler, or failed with the reason.</summary>
public sealed class LoadedModel
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required string Location { get; init; }
    public required ModelSettings Settings { get; init; }
    public ModelState State { get; set; }
    public ModelSession? Session { get; init; }
    public ModelScheduler? Scheduler { get; init; }
    /// <summary>Set for a scoring-script model: its Python workers (then there is no session or scheduler).</summary>
    public Scripts.ScriptPool? Scripts { get; init; }
    /// <summary>Why loading failed, or why a requested GPU was not used.</summary>
    public string? Error { get; init; }
    public DateTimeOffset LoadedAt { get; init; } = DateTimeOffset.UtcNow;

    public string Provider => Session?.Provider ?? "";
    public IReadOnlyList<TensorInfo> Inputs => Session?.Inputs ?? [];
    public IReadOnlyList<TensorInfo> Outputs => Session?.Outputs ?? [];
    public bool IsReady => State == ModelState.Ready && (Scheduler is not null || Scripts is not null);
}
