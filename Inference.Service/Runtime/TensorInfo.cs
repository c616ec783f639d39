namespace Inference.Service.Runtime;

/// <summary>
/// A model input or output as the model declares it. <see cref="Shape"/> holds -1 for a dynamic dimension,
/// whose symbolic name (possibly "") is in <see cref="DimensionNames"/>.
/// </summary>
public sealed record TensorInfo(string Name, OnnxValueType ValueType, TensorElementType ElementType, long[] Shape, string[] DimensionNames)
{
    public bool IsTensor => ValueType == OnnxValueType.Tensor;

    /// <summary>True when the first dimension is dynamic, so requests can be stacked along it.</summary>
    public bool HasDynamicBatchDimension => Shape.Length > 0 && Shape[0] < 0;
}
