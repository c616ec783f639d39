using System.Runtime.InteropServices;
using Contracts.Onnx;
using Inference.Service.Runtime;

namespace Inference.Tests.Support;

/// <summary>ONNX TensorProto files (the backend test suite's inputs and answers) as <see cref="Tensor"/>, and the suite's closeness rule.</summary>
public static class TestTensors
{
    public static TensorProto ReadProto(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>The tensor, or null with a reason when its element type is one our protocols cannot carry.</summary>
    public static Tensor? FromProto(TensorProto proto, string name, out string? reason)
    {
        reason = null;
        var type = (TensorElementType)proto.DataType;
        var shape = proto.Dims.ToArray();
        var count = Tensor.ShapeElementCount(shape);
        if (type == TensorElementType.String)
            return Tensor.FromStrings(name, shape, proto.StringData.Select(s => s.ToStringUtf8()).ToArray());
        var size = type.ElementSize();
        if (size == 0 || type is TensorElementType.Complex64 or TensorElementType.Complex128 || type >= TensorElementType.Float8E4M3FN)
        {
            reason = $"element type {type} has no KServe v2 datatype";
            return null;
        }
        if (!proto.RawData.IsEmpty) return Tensor.FromBytes(name, type, shape, proto.RawData.ToByteArray());

        byte[] bytes = type switch
        {
            TensorElementType.Float => AsBytes(proto.FloatData.ToArray()),
            TensorElementType.Double => AsBytes(proto.DoubleData.ToArray()),
            TensorElementType.Int64 => AsBytes(proto.Int64Data.ToArray()),
            TensorElementType.UInt64 => AsBytes(proto.Uint64Data.ToArray()),
            TensorElementType.UInt32 => AsBytes(proto.Uint64Data.Select(v => (uint)v).ToArray()),
            TensorElementType.Int32 => AsBytes(proto.Int32Data.ToArray()),
            TensorElementType.Int16 => AsBytes(proto.Int32Data.Select(v => (short)v).ToArray()),
            TensorElementType.UInt16 or TensorElementType.Float16 or TensorElementType.BFloat16 => AsBytes(proto.Int32Data.Select(v => (ushort)v).ToArray()),
            TensorElementType.Int8 => AsBytes(proto.Int32Data.Select(v => (sbyte)v).ToArray()),
            TensorElementType.UInt8 or TensorElementType.Bool => AsBytes(proto.Int32Data.Select(v => (byte)v).ToArray()),
            _ => throw new NotSupportedException(type.ToString()),
        };
        if (bytes.Length != count * size) throw new InvalidDataException($"TensorProto {name}: {bytes.Length} bytes for {count} elements of {type}.");
        return Tensor.FromBytes(name, type, shape, bytes);
    }

    /// <summary>The suite stores bfloat16 tensors as UINT16 (numpy has no bfloat16): same bits, retyped when the model says BF16.</summary>
    public static Tensor AsBFloat16Where(Tensor tensor, string modelDatatype) =>
        modelDatatype == "BF16" && tensor.ElementType == TensorElementType.UInt16
            ? Tensor.FromBytes(tensor.Name, TensorElementType.BFloat16, tensor.Shape, tensor.Data)
            : tensor;

    private static byte[] AsBytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Elements as doubles (for numeric comparison); strings are compared separately.</summary>
    public static double[] ToDoubles(Tensor t)
    {
        var d = t.Data.Span;
        return t.ElementType switch
        {
            TensorElementType.Float => MemoryMarshal.Cast<byte, float>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Double => MemoryMarshal.Cast<byte, double>(d).ToArray(),
            TensorElementType.Float16 => MemoryMarshal.Cast<byte, Half>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.BFloat16 => MemoryMarshal.Cast<byte, ushort>(d).ToArray().Select(v => (double)BitConverter.UInt32BitsToSingle((uint)v << 16)).ToArray(),
            TensorElementType.Int8 => MemoryMarshal.Cast<byte, sbyte>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.UInt8 or TensorElementType.Bool => d.ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int16 => MemoryMarshal.Cast<byte, short>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.UInt16 => MemoryMarshal.Cast<byte, ushort>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int32 => MemoryMarshal.Cast<byte, int>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.UInt32 => MemoryMarshal.Cast<byte, uint>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int64 => MemoryMarshal.Cast<byte, long>(d).ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.UInt64 => MemoryMarshal.Cast<byte, ulong>(d).ToArray().Select(v => (double)v).ToArray(),
            _ => throw new NotSupportedException(t.ElementType.ToString()),
        };
    }

    /// <summary>
    /// The ONNX backend tests' rule (numpy assert_allclose, rtol 1e-3, atol 1e-7): |actual − expected| ≤ atol + rtol·|expected|,
    /// NaN equal to NaN, infinities equal when their signs are; integers, booleans and strings exactly. Null when close, else why not.
    /// </summary>
    public static string? Compare(Tensor expected, Tensor actual, double rtol = 1e-3, double atol = 1e-7)
    {
        if (expected.ElementType != actual.ElementType) return $"type {actual.ElementType}, expected {expected.ElementType}";
        if (!expected.Shape.SequenceEqual(actual.Shape)) return $"shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]";
        if (expected.ElementType == TensorElementType.String)
        {
            for (var i = 0; i < expected.Strings!.Length; i++)
                if (expected.Strings[i] != actual.Strings![i]) return $"string {i} is '{actual.Strings[i]}', expected '{expected.Strings[i]}'";
            return null;
        }
        if (expected.ElementType is TensorElementType.Int64 or TensorElementType.UInt64)
            return expected.Data.Span.SequenceEqual(actual.Data.Span) ? null : "64-bit integers differ";
        var e = ToDoubles(expected);
        var a = ToDoubles(actual);
        for (var i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (double.IsInfinity(e[i]) && e[i] == a[i]) continue;
            if (!(Math.Abs(a[i] - e[i]) <= atol + rtol * Math.Abs(e[i]))) return $"element {i} is {a[i]}, expected {e[i]}";
        }
        return null;
    }
}
