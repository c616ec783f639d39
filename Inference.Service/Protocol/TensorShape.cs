using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>
/// The one checked size calculation of a request tensor, shared by every protocol (KServe v2 JSON and binary, gRPC
/// typed and raw contents): a shape whose element count or byte size overflows, or exceeds what one buffer can hold,
/// is the client's mistake (400 / INVALID_ARGUMENT), never an arithmetic wrap-around that reaches ONNX Runtime.
/// </summary>
public static class TensorShape
{
    /// <summary>The most bytes (and so elements) one input may have: the largest buffer .NET can allocate.</summary>
    public static readonly long MaxBytes = Array.MaxLength;

    public static long ElementCount(string field, ReadOnlySpan<long> shape)
    {
        foreach (var d in shape)
            if (d < 0) throw InvalidInferenceRequestException.For(field, $"Shape {Format(shape)} has a negative dimension.");
        foreach (var d in shape)
            if (d == 0) return 0;
        long count = 1;
        foreach (var d in shape)
        {
            if (count > MaxBytes / d)
                throw InvalidInferenceRequestException.For(field, $"Shape {Format(shape)} has more elements than one input may have ({MaxBytes}).");
            count *= d;
        }
        return count;
    }

    /// <summary>The byte size of a fixed-size element type's tensor of this shape, within <see cref="MaxBytes"/>.</summary>
    public static long ByteCount(string field, ReadOnlySpan<long> shape, TensorElementType type)
    {
        var count = ElementCount(field, shape);
        var size = type.ElementSize();
        if (count > MaxBytes / Math.Max(size, 1))
            throw InvalidInferenceRequestException.For(field, $"Shape {Format(shape)} of {type} needs more bytes than one input may have ({MaxBytes}).");
        return count * size;
    }

    public static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(",", shape.ToArray()) + "]";
}
