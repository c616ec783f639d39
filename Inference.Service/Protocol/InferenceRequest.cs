using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>An output the caller asked for; <see cref="Binary"/> asks for it in the binary tensor data extension.</summary>
public sealed record RequestedOutput(string Name, bool Binary);

/// <summary>A decoded inference request, protocol-independent.</summary>
public sealed class InferenceRequest
{
    public string? Id { get; init; }
    public required Tensor[] Inputs { get; init; }
    /// <summary>Null: every output of the model.</summary>
    public IReadOnlyList<RequestedOutput>? Outputs { get; init; }
    /// <summary>Request-level <c>binary_data_output</c>: every output binary unless it says otherwise.</summary>
    public bool BinaryOutputs { get; init; }

    public IReadOnlyList<string>? OutputNames => Outputs?.Select(o => o.Name).ToArray();
}
