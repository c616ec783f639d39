namespace Inference.Service.Runtime;

/// <summary>
/// A named tensor in host memory: numeric and bool data as little-endian row-major bytes, strings as an array.
/// Inputs are read in place (pinned for the call, never copied); outputs own their buffers.
/// </summary>
public sealed class Tensor
{
    private Tensor(string name, TensorElementType type, long[] shape, ReadOnlyMemory<byte> data, string[]? strings)
    {
        Name = name;
        ElementType = type;
        Shape = shape;
        Data = data;
        Strings = strings;
    }

    public string Name { get; }
    public TensorElementType ElementType { get; }
    public long[] Shape { get; }
    public ReadOnlyMemory<byte> Data { get; }
    public string[]? Strings { get; }

    public long ElementCount => ShapeElementCount(Shape);

    public static Tensor FromBytes(string name, TensorElementType type, long[] shape, ReadOnlyMemory<byte> data)
    {
        var size = type.ElementSize();
        if (type == TensorElementType.String || size == 0)
            throw new ArgumentException($"Element type {type} cannot be carried as raw bytes.", nameof(type));
        var expected = ShapeElementCount(shape) * size;
        if (data.Length != expected)
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(',', shape)}] and type {type} needs {expected} bytes, got {data.Length}.", nameof(data));
        return new Tensor(name, type, shape, data, null);
    }

    public static Tensor FromArray<T>(string name, long[] shape, T[] values) where T : unmanaged =>
        FromBytes(name, ElementTypeOf<T>(), shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor FromStrings(string name, long[] shape, string[] values)
    {
        if (values.Length != ShapeElementCount(shape))
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(',', shape)}] needs {ShapeElementCount(shape)} strings, got {values.Length}.", nameof(values));
        return new Tensor(name, TensorElementType.String, shape, ReadOnlyMemory<byte>.Empty, values);
    }

    /// <summary>The data reinterpreted as <typeparamref name="T"/> (copied).</summary>
    public T[] ToArray<T>() where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data.Span).ToArray();

    public static long ShapeElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        return count;
    }

    public static TensorElementType ElementTypeOf<T>() where T : unmanaged => default(T) switch
    {
        float => TensorElementType.Float,
        double => TensorElementType.Double,
        sbyte => TensorElementType.Int8,
        byte => TensorElementType.UInt8,
        short => TensorElementType.Int16,
        ushort => TensorElementType.UInt16,
        int => TensorElementType.Int32,
        uint => TensorElementType.UInt32,
        long => TensorElementType.Int64,
        ulong => TensorElementType.UInt64,
        bool => TensorElementType.Bool,
        Half => TensorElementType.Float16,
        _ => throw new NotSupportedException($"No ONNX element type for {typeof(T)}."),
    };
}
