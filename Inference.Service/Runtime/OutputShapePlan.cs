namespace Inference.Service.Runtime;

/// <summary>
/// How an output's shape is known before Run: each dimension is either fixed in the model or carries the symbolic
/// name of an input dimension (e.g. "batch" on both), whose actual size the request gives. Outputs with an unnamed or
/// unmatched dynamic dimension, strings and non-tensors have no plan: ORT allocates those.
/// </summary>
internal sealed class OutputShapePlan
{
    private readonly long[] _fixed;
    private readonly (int Input, int Dimension)[] _fromInput;
    private readonly int _elementSize;
    private volatile bool _enabled = true;

    private OutputShapePlan(long[] dims, (int, int)[] fromInput, int elementSize)
    {
        _fixed = dims;
        _fromInput = fromInput;
        _elementSize = elementSize;
    }

    /// <summary>False once a Run showed the model's declared shape to be wrong for this output.</summary>
    public bool Enabled => _enabled;

    public void Disable() => _enabled = false;

    public static OutputShapePlan? For(TensorInfo output, IReadOnlyList<TensorInfo> inputs)
    {
        var size = output.ElementType.ElementSize();
        if (!output.IsTensor || output.ElementType == TensorElementType.String || size == 0) return null;
        var fromInput = new (int, int)[output.Shape.Length];
        for (var d = 0; d < output.Shape.Length; d++)
        {
            fromInput[d] = (-1, -1);
            if (output.Shape[d] >= 0) continue;
            var symbol = d < output.DimensionNames.Length ? output.DimensionNames[d] : "";
            if (symbol.Length == 0 || !TryFindInputDimension(inputs, symbol, out fromInput[d])) return null;
        }
        return new OutputShapePlan(output.Shape, fromInput, size);
    }

    private static bool TryFindInputDimension(IReadOnlyList<TensorInfo> inputs, string symbol, out (int, int) source)
    {
        for (var i = 0; i < inputs.Count; i++)
            for (var d = 0; d < inputs[i].DimensionNames.Length; d++)
                if (inputs[i].Shape[d] < 0 && inputs[i].DimensionNames[d] == symbol)
                {
                    source = (i, d);
                    return true;
                }
        source = (-1, -1);
        return false;
    }

    /// <summary>The output's shape and byte size for these inputs (indexed by model input position); false when it cannot be known or is empty.</summary>
    public bool TryResolve(Tensor?[] inputsByModelIndex, out long[] shape, out long bytes)
    {
        shape = new long[_fixed.Length];
        bytes = _elementSize;
        for (var d = 0; d < shape.Length; d++)
        {
            var (input, dimension) = _fromInput[d];
            if (input < 0)
            {
                shape[d] = _fixed[d];
            }
            else
            {
                var tensor = inputsByModelIndex[input];
                if (tensor is null || tensor.Shape.Length <= dimension) return false;
                shape[d] = tensor.Shape[dimension];
            }
            bytes *= shape[d];
        }
        return bytes > 0 && bytes <= int.MaxValue;
    }
}
