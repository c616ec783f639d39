using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>Tensor values in JSON (flat or nested arrays), read and written straight from and to UTF-8 with no object model in between.</summary>
public static class TensorJson
{
    /// <summary>Values read from a JSON array: raw little-endian bytes (or strings) plus the shape the nesting implied.</summary>
    public readonly record struct Values(byte[] Bytes, string[]? Strings, long[] NestedShape, long Count);

    /// <summary>Utf8JsonReader's default maximum depth: no JSON it reads nests arrays deeper.</summary>
    private const int MaxNesting = 64;

    /// <summary>Reads a (possibly nested) array of <paramref name="type"/> values; the reader is on its first token and ends on its last.</summary>
    public static Values Read(ref Utf8JsonReader reader, TensorElementType type, string field)
    {
        var size = type.ElementSize();
        if (type != TensorElementType.String && size == 0)
            throw InvalidInferenceRequestException.For(field, $"Element type {type} cannot be carried in JSON.");
        var buffer = new ElementBuffer(size);
        List<string>? strings = type == TensorElementType.String ? [] : null;
        // Per nesting depth: the length the first array closed there fixed (-1 until then), and the running count of
        // the array open there. On the stack: the reader refuses JSON nested deeper than MaxNesting anyway.
        Span<long> shape = stackalloc long[MaxNesting];
        Span<long> counts = stackalloc long[MaxNesting];
        var dims = 0;
        var leafDepth = -1;
        var depth = 0;
        try
        {
            do
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        if (depth == MaxNesting)
                            throw InvalidInferenceRequestException.For(field, $"Arrays are nested deeper than {MaxNesting} levels.");
                        if (depth > 0) counts[depth - 1]++;
                        counts[depth] = 0;
                        if (dims == depth) shape[dims++] = -1;
                        depth++;
                        break;
                    case JsonTokenType.EndArray:
                        depth--;
                        if (shape[depth] < 0) shape[depth] = counts[depth];
                        else if (shape[depth] != counts[depth])
                            throw InvalidInferenceRequestException.For(field, $"Ragged array: dimension {depth} has both {shape[depth]} and {counts[depth]} elements.");
                        break;
                    default:
                        if (leafDepth < 0) leafDepth = depth;
                        else if (leafDepth != depth)
                            throw InvalidInferenceRequestException.For(field, "Values appear at different nesting depths.");
                        if (depth > 0) counts[depth - 1]++;
                        if (strings is not null)
                        {
                            if (reader.TokenType != JsonTokenType.String)
                                throw InvalidInferenceRequestException.For(field, $"Expected strings for BYTES, got {reader.TokenType}.");
                            strings.Add(reader.GetString()!);
                        }
                        else
                        {
                            AppendElement(ref reader, type, ref buffer, field);
                        }
                        break;
                }
            }
            while (depth > 0 && reader.Read());

            // The first array closed at each depth fixed that dimension's length.
            var nested = shape[..(leafDepth < 0 ? dims : leafDepth)].ToArray();
            var count = strings?.Count ?? buffer.Count;
            // [7, []] or [[], 7]: arrays and values side by side at one depth, which no shape describes.
            if (count != TensorShape.ElementCount(field, nested))
                throw InvalidInferenceRequestException.For(field, "Values and arrays appear side by side at one depth: the nesting must be a regular array.");
            return new Values(buffer.ToArray(), strings?.ToArray(), nested, count);
        }
        catch (InvalidOperationException)
        {
            throw InvalidInferenceRequestException.For(field, $"The value at offset {reader.TokenStartIndex} is not valid text (e.g. an unpaired surrogate).");
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static void AppendElement(ref Utf8JsonReader reader, TensorElementType type, ref ElementBuffer buffer, string field)
    {
        try
        {
            switch (type)
            {
                case TensorElementType.Float: buffer.Write(ReadFloat(ref reader)); break;
                case TensorElementType.Double: buffer.Write(ReadDouble(ref reader)); break;
                case TensorElementType.Float16: buffer.Write((Half)ReadFloat(ref reader)); break;
                case TensorElementType.BFloat16: buffer.Write(ToBFloat16(ReadFloat(ref reader))); break;
                case TensorElementType.Int8: buffer.Write(reader.GetSByte()); break;
                case TensorElementType.UInt8: buffer.Write(reader.GetByte()); break;
                case TensorElementType.Int16: buffer.Write(reader.GetInt16()); break;
                case TensorElementType.UInt16: buffer.Write(reader.GetUInt16()); break;
                case TensorElementType.Int32: buffer.Write(reader.GetInt32()); break;
                case TensorElementType.UInt32: buffer.Write(reader.GetUInt32()); break;
                case TensorElementType.Int64: buffer.Write(reader.GetInt64()); break;
                case TensorElementType.UInt64: buffer.Write(reader.GetUInt64()); break;
                case TensorElementType.Bool: buffer.Write(ReadBool(ref reader)); break;
                default: throw InvalidInferenceRequestException.For(field, $"Element type {type} cannot be carried in JSON.");
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw InvalidInferenceRequestException.For(field, $"Value at offset {reader.TokenStartIndex} is not a valid {DataTypes.Describe(type)}: {e.Message}");
        }
    }

    // A number literal beyond the type's range (1e400) would read as an infinity and compute NaN: refuse it. The
    // special values themselves stay available, spelled as strings.
    private static float ReadFloat(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? (float)ParseSpecial(reader.GetString())
        : reader.GetSingle() is var value && float.IsFinite(value) ? value
        : throw new FormatException("the number is beyond the range of 32-bit floating point");

    private static double ReadDouble(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? ParseSpecial(reader.GetString())
        : reader.GetDouble() is var value && double.IsFinite(value) ? value
        : throw new FormatException("the number is beyond the range of 64-bit floating point");

    // JSON has no NaN or infinities; we accept and write them as strings, as Triton does.
    private static double ParseSpecial(string? text) => text switch
    {
        "NaN" or "nan" => double.NaN,
        "Infinity" or "inf" or "+Infinity" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        _ => throw new FormatException($"'{text}' is not a number."),
    };

    private static byte ReadBool(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => 1,
        JsonTokenType.False => 0,
        JsonTokenType.Number => reader.GetInt32() != 0 ? (byte)1 : (byte)0,
        _ => throw new FormatException($"{reader.TokenType} is not a boolean."),
    };

    private static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        // Round to nearest even on the dropped 16 bits.
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static float FromBFloat16(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Writes the tensor's values as one flat array (KServe v2 "data").</summary>
    public static void WriteFlat(Utf8JsonWriter writer, Tensor tensor)
    {
        writer.WriteStartArray();
        for (long i = 0; i < tensor.ElementCount; i++) WriteElement(writer, tensor, i);
        writer.WriteEndArray();
    }

    /// <summary>Writes the tensor as nested arrays following its shape (Azure ML style answers).</summary>
    public static void WriteNested(Utf8JsonWriter writer, Tensor tensor)
    {
        long index = 0;
        WriteLevel(writer, tensor, 0, ref index);
    }

    private static void WriteLevel(Utf8JsonWriter writer, Tensor tensor, int dim, ref long index)
    {
        if (dim == tensor.Shape.Length)
        {
            WriteElement(writer, tensor, index++);
            return;
        }
        writer.WriteStartArray();
        for (long i = 0; i < tensor.Shape[dim]; i++) WriteLevel(writer, tensor, dim + 1, ref index);
        writer.WriteEndArray();
    }

    private static void WriteElement(Utf8JsonWriter writer, Tensor tensor, long i)
    {
        var data = tensor.Data.Span;
        switch (tensor.ElementType)
        {
            case TensorElementType.Float: WriteNumber(writer, MemoryMarshal.Cast<byte, float>(data)[(int)i]); break;
            case TensorElementType.Double: WriteNumber(writer, MemoryMarshal.Cast<byte, double>(data)[(int)i]); break;
            case TensorElementType.Float16: WriteNumber(writer, (float)MemoryMarshal.Cast<byte, Half>(data)[(int)i]); break;
            case TensorElementType.BFloat16: WriteNumber(writer, FromBFloat16(MemoryMarshal.Cast<byte, ushort>(data)[(int)i])); break;
            case TensorElementType.Int8: writer.WriteNumberValue((sbyte)data[(int)i]); break;
            case TensorElementType.UInt8: writer.WriteNumberValue(data[(int)i]); break;
            case TensorElementType.Int16: writer.WriteNumberValue(MemoryMarshal.Cast<byte, short>(data)[(int)i]); break;
            case TensorElementType.UInt16: writer.WriteNumberValue(MemoryMarshal.Cast<byte, ushort>(data)[(int)i]); break;
            case TensorElementType.Int32: writer.WriteNumberValue(MemoryMarshal.Cast<byte, int>(data)[(int)i]); break;
            case TensorElementType.UInt32: writer.WriteNumberValue(MemoryMarshal.Cast<byte, uint>(data)[(int)i]); break;
            case TensorElementType.Int64: writer.WriteNumberValue(MemoryMarshal.Cast<byte, long>(data)[(int)i]); break;
            case TensorElementType.UInt64: writer.WriteNumberValue(MemoryMarshal.Cast<byte, ulong>(data)[(int)i]); break;
            case TensorElementType.Bool: writer.WriteBooleanValue(data[(int)i] != 0); break;
            case TensorElementType.String: writer.WriteStringValue(tensor.Strings![i]); break;
            default: throw new NotSupportedException($"Output '{tensor.Name}' has element type {tensor.ElementType}, which JSON cannot carry.");
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    private static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    /// <summary>A growable pooled byte buffer of fixed-size elements.</summary>
    private struct ElementBuffer(int elementSize) : IDisposable
    {
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(64, elementSize * 16));
        private int _length;

        public readonly long Count => elementSize == 0 ? 0 : _length / elementSize;

        public void Write<T>(T value) where T : unmanaged
        {
            var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            if (_length + size > _bytes.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_bytes.Length * 2);
                _bytes.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = bigger;
            }
            MemoryMarshal.Write(_bytes.AsSpan(_length), in value);
            _length += size;
        }

        public readonly byte[] ToArray() => _bytes.AsSpan(0, _length).ToArray();

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }
}
