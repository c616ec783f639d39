using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Service.Onnx;

/// <summary>What the registry records about an ONNX model: enough for a client to build requests without loading it.</summary>
public sealed record OnnxModelInfo(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    IReadOnlyList<OnnxOpset> Opsets,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs)
{
    /// <summary>Files (relative to the model) that initializers keep their data in; checked at registration, not stored.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ExternalData { get; init; } = [];
}

/// <summary>An operator set the model imports; domain "" is the default ai.onnx set.</summary>
public sealed record OnnxOpset(string Domain, long Version);

/// <summary>
/// One graph input or output. <see cref="Type"/> uses ONNX's notation ("tensor(float)", "seq(tensor(int64))");
/// for tensors <see cref="ElemType"/> is the TensorProto.DataType value and <see cref="Datatype"/> the KServe v2 name.
/// <see cref="Shape"/> is null when the rank is unknown.
/// </summary>
public sealed record OnnxTensorInfo(string Name, string Type, int ElemType, string? Datatype, IReadOnlyList<ShapeDim>? Shape);

/// <summary>A dimension: a size, a symbol such as "batch", or neither (unknown). In JSON: a number, a string or null.</summary>
[JsonConverter(typeof(ShapeDimJsonConverter))]
public readonly record struct ShapeDim(long? Size, string? Symbol)
{
    public static ShapeDim Of(long size) => new(size, null);
    public static ShapeDim Named(string symbol) => new(null, symbol);
    public static readonly ShapeDim Unknown = new(null, null);
}

public sealed class ShapeDimJsonConverter : JsonConverter<ShapeDim>
{
    public override ShapeDim Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => ShapeDim.Of(reader.GetInt64()),
            JsonTokenType.String => ShapeDim.Named(reader.GetString()!),
            JsonTokenType.Null => ShapeDim.Unknown,
            _ => throw new JsonException("A dimension is a number, a string or null."),
        };

    public override void Write(Utf8JsonWriter writer, ShapeDim value, JsonSerializerOptions options)
    {
        if (value.Size is { } size) writer.WriteNumberValue(size);
        else if (value.Symbol is { } symbol) writer.WriteStringValue(symbol);
        else writer.WriteNullValue();
    }
}
