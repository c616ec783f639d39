using System.Diagnostics;
using Inference.Service.Runtime;

namespace Inference.Service.Scheduling;

/// <summary>A request waiting in a model's queue for its batch.</summary>
internal sealed class PendingRequest(Tensor[] inputs, IReadOnlyList<string>? outputs, CancellationToken cancellation)
{
    public Tensor[] Inputs { get; } = inputs;
    public IReadOnlyList<string>? Outputs { get; } = outputs;
    public CancellationToken Cancellation { get; } = cancellation;
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public TaskCompletionSource<Tensor[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Rows along dimension 0, or -1 when the inputs disagree on it (then the request runs alone).</summary>
    public long Rows { get; } = BatchRows(inputs);

    private static long BatchRows(Tensor[] inputs)
    {
        if (inputs.Length == 0 || inputs[0].Shape.Length == 0) return -1;
        var rows = inputs[0].Shape[0];
        foreach (var input in inputs)
            if (input.Shape.Length == 0 || input.Shape[0] != rows) return -1;
        return rows;
    }

    /// <summary>Whether this request can share a Run with <paramref name="other"/>: same inputs in the same order, equal trailing dimensions, same outputs.</summary>
    public bool CanJoin(PendingRequest other)
    {
        if (Rows < 0 || other.Rows < 0 || Inputs.Length != other.Inputs.Length) return false;
        for (var i = 0; i < Inputs.Length; i++)
        {
            var a = Inputs[i];
            var b = other.Inputs[i];
            if (a.Name != b.Name || a.ElementType != b.ElementType || !a.Shape.AsSpan(1).SequenceEqual(b.Shape.AsSpan(1))) return false;
        }
        if (Outputs is null || other.Outputs is null) return Outputs is null && other.Outputs is null;
        return Outputs.SequenceEqual(other.Outputs);
    }
}
