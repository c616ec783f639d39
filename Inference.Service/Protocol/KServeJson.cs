using System.Buffers;
using System.Text.Json;
using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>
/// The KServe v2 REST inference request and response bodies, with the binary tensor data extension:
/// the first <c>Inference-Header-Content-Length</c> bytes are JSON, the rest are raw tensors in input order
/// for each input whose parameters carry <c>binary_data_size</c>.
/// </summary>
public static class KServeJson
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    private readonly record struct InputHeader(string Name, long[]? Shape, string? Datatype, long? BinarySize, int DataStart, int DataLength);

    public static InferenceRequest ReadRequest(ReadOnlySpan<byte> json, ReadOnlyMemory<byte> binary)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        string? id = null;
        var binaryOutputs = false;
        var inputs = new List<InputHeader>();
        List<RequestedOutput>? outputs = null;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, "body");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "id": id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; break;
                    case "parameters": binaryOutputs = ReadParameters(ref reader).BinaryData == true; break;
                    case "inputs":
                        Expect(ref reader, JsonTokenType.StartArray, "inputs");
                        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject) inputs.Add(ReadInputHeader(ref reader));
                        break;
                    case "outputs":
                        Expect(ref reader, JsonTokenType.StartArray, "outputs");
                        outputs = [];
                        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject) outputs.Add(ReadOutput(ref reader));
                        break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (JsonException e)
        {
            throw InvalidInferenceRequestException.For("body", $"Malformed JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader's Get… on a token of another kind, e.g. "name": 7.
            throw InvalidInferenceRequestException.For("body",
                $"A field at offset {reader.TokenStartIndex} has a value of the wrong JSON type (names and datatypes are strings, shapes arrays of integers).");
        }

        var tensors = new Tensor[inputs.Count];
        var binaryOffset = 0L;
        for (var i = 0; i < inputs.Count; i++)
            tensors[i] = BuildTensor(inputs[i], json, binary, ref binaryOffset);
        if (binaryOffset != binary.Length)
            throw InvalidInferenceRequestException.For("binary_data_size", $"The binary part holds {binary.Length} bytes but the inputs' binary_data_size add up to {binaryOffset}.");
        return new InferenceRequest { Id = id, Inputs = tensors, Outputs = outputs, BinaryOutputs = binaryOutputs };
    }

    private static InputHeader ReadInputHeader(ref Utf8JsonReader reader)
    {
        string? name = null, datatype = null;
        long[]? shape = null;
        long? binarySize = null;
        int dataStart = -1, dataLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name": name = reader.GetString(); break;
                case "datatype": datatype = reader.GetString(); break;
                case "shape":
                    Expect(ref reader, JsonTokenType.StartArray, "shape");
                    var dims = new List<long>();
                    while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                        dims.Add(reader.TryGetInt64(out var dim)
                            ? dim
                            : throw InvalidInferenceRequestException.For(name ?? "shape", "A shape dimension must be a whole number that fits in 64 bits."));
                    shape = dims.ToArray();
                    break;
                case "parameters": binarySize = ReadParameters(ref reader).BinaryDataSize; break;
                case "data":
                    // Decoded later, once the datatype is known (it may come after the data).
                    dataStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    dataLength = (int)(reader.BytesConsumed - dataStart);
                    break;
                default: reader.Skip(); break;
            }
        }
        var field = name ?? "inputs";
        if (string.IsNullOrEmpty(name)) throw InvalidInferenceRequestException.For("inputs", "Every input needs a name.");
        return new InputHeader(field, shape, datatype, binarySize, dataStart, dataLength);
    }

    private static Tensor BuildTensor(InputHeader input, ReadOnlySpan<byte> json, ReadOnlyMemory<byte> binary, ref long binaryOffset)
    {
        if (input.Shape is null) throw InvalidInferenceRequestException.For(input.Name, "The input needs a shape.");
        if (DataTypes.FromKServe(input.Datatype) is not { } type)
            throw InvalidInferenceRequestException.For(input.Name, $"Unknown datatype '{input.Datatype}'; expected one of BOOL, UINT8…UINT64, INT8…INT64, FP16, BF16, FP32, FP64, BYTES.");
        var count = TensorShape.ElementCount(input.Name, input.Shape);

        if (input.BinarySize is { } size)
        {
            if (size < 0 || size > binary.Length - binaryOffset)
                throw InvalidInferenceRequestException.For(input.Name, $"binary_data_size {size} runs past the end of the body.");
            var slice = binary.Slice((int)binaryOffset, (int)size);
            binaryOffset += size;
            if (type == TensorElementType.String) return Tensor.FromStrings(input.Name, input.Shape, DecodeBinaryStrings(input.Name, slice.Span, count));
            var needed = TensorShape.ByteCount(input.Name, input.Shape, type);
            if (size != needed)
                throw InvalidInferenceRequestException.For(input.Name, $"Shape [{string.Join(",", input.Shape)}] of {input.Datatype} needs {needed} bytes, binary_data_size says {size}.");
            return Tensor.FromBytes(input.Name, type, input.Shape, slice);
        }

        if (input.DataStart < 0) throw InvalidInferenceRequestException.For(input.Name, "The input has neither data nor binary_data_size.");
        var reader = new Utf8JsonReader(json.Slice(input.DataStart, input.DataLength));
        reader.Read();
        var values = TensorJson.Read(ref reader, type, input.Name);
        if (values.Count != count)
            throw InvalidInferenceRequestException.For(input.Name, $"Shape [{string.Join(",", input.Shape)}] needs {count} values, data has {values.Count}.");
        return type == TensorElementType.String
            ? Tensor.FromStrings(input.Name, input.Shape, values.Strings!)
            : Tensor.FromBytes(input.Name, type, input.Shape, values.Bytes);
    }

    /// <summary>BYTES in the binary extension: each element is a 4-byte little-endian length followed by its bytes.</summary>
    public static string[] DecodeBinaryStrings(string field, ReadOnlySpan<byte> data, long count)
    {
        var strings = new string[count];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            if (offset + 4 > data.Length) throw InvalidInferenceRequestException.For(field, "BYTES data ends before all elements were read.");
            var length = BitConverter.ToInt32(data.Slice(offset, 4));
            offset += 4;
            if (length < 0 || offset + length > data.Length) throw InvalidInferenceRequestException.For(field, "BYTES element length runs past the data.");
            strings[i] = System.Text.Encoding.UTF8.GetString(data.Slice(offset, length));
            offset += length;
        }
        if (offset != data.Length) throw InvalidInferenceRequestException.For(field, $"BYTES data holds {data.Length - offset} bytes more than its {count} elements.");
        return strings;
    }

    public static byte[] EncodeBinaryStrings(string[] strings)
    {
        var total = strings.Sum(s => 4 + System.Text.Encoding.UTF8.GetByteCount(s));
        var bytes = new byte[total];
        var offset = 0;
        foreach (var s in strings)
        {
            var length = System.Text.Encoding.UTF8.GetBytes(s, bytes.AsSpan(offset + 4));
            BitConverter.TryWriteBytes(bytes.AsSpan(offset, 4), length);
            offset += 4 + length;
        }
        return bytes;
    }

    private static RequestedOutput ReadOutput(ref Utf8JsonReader reader)
    {
        string? name = null;
        var binary = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name": name = reader.GetString(); break;
                case "parameters": binary = ReadParameters(ref reader).BinaryData == true; break;
                default: reader.Skip(); break;
            }
        }
        if (string.IsNullOrEmpty(name)) throw InvalidInferenceRequestException.For("outputs", "Every requested output needs a name.");
        return new RequestedOutput(name, binary);
    }

    private readonly record struct Parameters(bool? BinaryData, long? BinaryDataSize);

    private static Parameters ReadParameters(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }
        bool? binaryData = null;
        long? binarySize = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "binary_data" or "binary_data_output": binaryData = reader.TokenType == JsonTokenType.True; break;
                case "binary_data_size":
                    binarySize = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var bytes) && bytes >= 0
                        ? bytes
                        : throw InvalidInferenceRequestException.For("binary_data_size", "binary_data_size must be a whole number of bytes, 0 or more.");
                    break;
                default: reader.Skip(); break;
            }
        }
        return new Parameters(binaryData, binarySize);
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string field)
    {
        if (reader.TokenType == JsonTokenType.None) reader.Read();
        if (reader.TokenType != type)
            throw InvalidInferenceRequestException.For(field, $"Expected {type}, got {reader.TokenType}.");
    }

    /// <summary>Writes the response JSON; outputs marked binary get only their size here, and their bytes are returned for the caller to append.</summary>
    public static List<ReadOnlyMemory<byte>> WriteResponse(Utf8JsonWriter writer, string model, string version, string? id,
        Tensor[] outputs, IReadOnlyList<bool> binary)
    {
        var segments = new List<ReadOnlyMemory<byte>>();
        writer.WriteStartObject();
        writer.WriteString("model_name", model);
        if (!string.IsNullOrEmpty(version)) writer.WriteString("model_version", version);
        if (id is not null) writer.WriteString("id", id);
        writer.WriteStartArray("outputs");
        for (var i = 0; i < outputs.Length; i++)
        {
            var output = outputs[i];
            writer.WriteStartObject();
            writer.WriteString("name", output.Name);
            writer.WriteString("datatype", DataTypes.ToKServe(output.ElementType) ?? output.ElementType.ToString());
            writer.WriteStartArray("shape");
            foreach (var d in output.Shape) writer.WriteNumberValue(d);
            writer.WriteEndArray();
            if (binary[i])
            {
                var bytes = output.ElementType == TensorElementType.String ? EncodeBinaryStrings(output.Strings!) : output.Data;
                writer.WriteStartObject("parameters");
                writer.WriteNumber("binary_data_size", bytes.Length);
                writer.WriteEndObject();
                segments.Add(bytes);
            }
            else
            {
                writer.WritePropertyName("data");
                TensorJson.WriteFlat(writer, output);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        return segments;
    }
}
