using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Contracts.Inference;
using Google.Protobuf;
using Inference.Service.Runtime;

namespace Inference.Tests.Support;

/// <summary>A client's view of the protocols: tensors written as KServe v2 JSON or gRPC raw contents, and answers read back. Independent of the service's own codecs.</summary>
public static class WireTensors
{
    public static readonly Dictionary<TensorElementType, string> Datatypes = new()
    {
        [TensorElementType.Bool] = "BOOL", [TensorElementType.UInt8] = "UINT8", [TensorElementType.UInt16] = "UINT16",
        [TensorElementType.UInt32] = "UINT32", [TensorElementType.UInt64] = "UINT64", [TensorElementType.Int8] = "INT8",
        [TensorElementType.Int16] = "INT16", [TensorElementType.Int32] = "INT32", [TensorElementType.Int64] = "INT64",
        [TensorElementType.Float16] = "FP16", [TensorElementType.BFloat16] = "BF16", [TensorElementType.Float] = "FP32",
        [TensorElementType.Double] = "FP64", [TensorElementType.String] = "BYTES",
    };

    public static TensorElementType TypeOf(string datatype) => Datatypes.Single(p => p.Value == datatype).Key;

    public static byte[] InferJson(IEnumerable<Tensor> inputs)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            foreach (var t in inputs)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                w.WriteString("datatype", Datatypes[t.ElementType]);
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data");
                WriteValues(w, t);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WriteValues(Utf8JsonWriter w, Tensor t)
    {
        if (t.ElementType == TensorElementType.String)
        {
            foreach (var s in t.Strings!) w.WriteStringValue(s);
            return;
        }
        if (t.ElementType == TensorElementType.Bool)
        {
            foreach (var b in t.Data.Span) w.WriteBooleanValue(b != 0);
            return;
        }
        if (t.ElementType is TensorElementType.Int64)
        {
            foreach (var v in MemoryMarshal.Cast<byte, long>(t.Data.Span)) w.WriteNumberValue(v);
            return;
        }
        if (t.ElementType is TensorElementType.UInt64)
        {
            foreach (var v in MemoryMarshal.Cast<byte, ulong>(t.Data.Span)) w.WriteNumberValue(v);
            return;
        }
        foreach (var v in TestTensors.ToDoubles(t))
        {
            if (double.IsNaN(v)) w.WriteStringValue("NaN");
            else if (double.IsInfinity(v)) w.WriteStringValue(v > 0 ? "Infinity" : "-Infinity");
            else if (t.ElementType == TensorElementType.Double) w.WriteNumberValue(v);
            else w.WriteNumberValue((float)v);
        }
    }

    public static Tensor[] ReadInferJson(JsonElement body) =>
        body.GetProperty("outputs").EnumerateArray().Select(o =>
        {
            var name = o.GetProperty("name").GetString()!;
            var type = TypeOf(o.GetProperty("datatype").GetString()!);
            var shape = o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var data = o.GetProperty("data").EnumerateArray().ToArray();
            if (type == TensorElementType.String) return Tensor.FromStrings(name, shape, data.Select(d => d.GetString()!).ToArray());
            return Tensor.FromBytes(name, type, shape, ToBytes(type, data));
        }).ToArray();

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, var s => throw new FormatException(s) }
        : e.GetDouble();

    private static byte[] ToBytes(TensorElementType type, JsonElement[] data) => type switch
    {
        TensorElementType.Float => Bytes(data.Select(e => (float)Number(e)).ToArray()),
        TensorElementType.Double => Bytes(data.Select(Number).ToArray()),
        TensorElementType.Float16 => Bytes(data.Select(e => (Half)Number(e)).ToArray()),
        TensorElementType.BFloat16 => Bytes(data.Select(e => (ushort)(BitConverter.SingleToUInt32Bits((float)Number(e)) >> 16)).ToArray()),
        TensorElementType.Bool => data.Select(e => e.GetBoolean() ? (byte)1 : (byte)0).ToArray(),
        TensorElementType.Int8 => Bytes(data.Select(e => e.GetSByte()).ToArray()),
        TensorElementType.UInt8 => data.Select(e => e.GetByte()).ToArray(),
        TensorElementType.Int16 => Bytes(data.Select(e => e.GetInt16()).ToArray()),
        TensorElementType.UInt16 => Bytes(data.Select(e => e.GetUInt16()).ToArray()),
        TensorElementType.Int32 => Bytes(data.Select(e => e.GetInt32()).ToArray()),
        TensorElementType.UInt32 => Bytes(data.Select(e => e.GetUInt32()).ToArray()),
        TensorElementType.Int64 => Bytes(data.Select(e => e.GetInt64()).ToArray()),
        TensorElementType.UInt64 => Bytes(data.Select(e => e.GetUInt64()).ToArray()),
        _ => throw new NotSupportedException(type.ToString()),
    };

    private static byte[] Bytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static ModelInferRequest GrpcRequest(string model, IEnumerable<Tensor> inputs)
    {
        var request = new ModelInferRequest { ModelName = model };
        foreach (var t in inputs)
        {
            var input = new ModelInferRequest.Types.InferInputTensor { Name = t.Name, Datatype = Datatypes[t.ElementType] };
            input.Shape.AddRange(t.Shape);
            request.Inputs.Add(input);
            request.RawInputContents.Add(t.ElementType == TensorElementType.String ? ByteString.CopyFrom(LengthPrefixed(t.Strings!)) : ByteString.CopyFrom(t.Data.Span));
        }
        return request;
    }

    public static Tensor[] ReadGrpcResponse(ModelInferResponse response) =>
        response.Outputs.Select((o, i) =>
        {
            var type = TypeOf(o.Datatype);
            var raw = response.RawOutputContents[i].ToByteArray();
            return type == TensorElementType.String
                ? Tensor.FromStrings(o.Name, o.Shape.ToArray(), FromLengthPrefixed(raw))
                : Tensor.FromBytes(o.Name, type, o.Shape.ToArray(), raw);
        }).ToArray();

    private static byte[] LengthPrefixed(string[] strings)
    {
        using var stream = new MemoryStream();
        foreach (var s in strings)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            stream.Write(BitConverter.GetBytes(bytes.Length));
            stream.Write(bytes);
        }
        return stream.ToArray();
    }

    private static string[] FromLengthPrefixed(byte[] raw)
    {
        var list = new List<string>();
        for (var offset = 0; offset < raw.Length;)
        {
            var length = BitConverter.ToInt32(raw, offset);
            list.Add(Encoding.UTF8.GetString(raw, offset + 4, length));
            offset += 4 + length;
        }
        return list.ToArray();
    }
}
