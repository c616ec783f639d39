using System.Text.Json;
using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>
/// Azure ML style scoring: <c>{"data": …}</c> is a nested array shaped like the model's one input (batch first),
/// or an object of nested arrays by input name. The answer is a nested array for one output, else an object by output name.
/// </summary>
public static class ScoreJson
{
    public static Tensor[] ReadRequest(ReadOnlySpan<byte> json, IReadOnlyList<TensorInfo> modelInputs)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw InvalidInferenceRequestException.For("data", "The body must be a JSON object with a \"data\" property.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType == JsonTokenType.StartObject) return ReadByName(ref reader, modelInputs);
                if (modelInputs.Count != 1)
                    throw InvalidInferenceRequestException.For("data", $"The model has {modelInputs.Count} inputs ({string.Join(", ", modelInputs.Select(i => i.Name))}): give \"data\" as an object by input name.");
                return [ReadOne(ref reader, modelInputs[0].Name, modelInputs[0].ElementType)];
            }
        }
        catch (JsonException e)
        {
            throw InvalidInferenceRequestException.For("data", $"Malformed JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            throw InvalidInferenceRequestException.For("data", $"The value at offset {reader.TokenStartIndex} is not valid text or not of the expected JSON type.");
        }
        throw InvalidInferenceRequestException.For("data", "The body has no \"data\" property.");
    }

    private static Tensor[] ReadByName(ref Utf8JsonReader reader, IReadOnlyList<TensorInfo> modelInputs)
    {
        var tensors = new List<Tensor>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var spec = modelInputs.FirstOrDefault(i => i.Name == name);
            if (spec is null)
                throw InvalidInferenceRequestException.For(name, $"The model has no input named '{name}'; its inputs are: {string.Join(", ", modelInputs.Select(i => i.Name))}.");
            tensors.Add(ReadOne(ref reader, name, spec.ElementType));
        }
        return tensors.ToArray();
    }

    private static Tensor ReadOne(ref Utf8JsonReader reader, string name, TensorElementType type)
    {
        var values = TensorJson.Read(ref reader, type, name);
        return type == TensorElementType.String
            ? Tensor.FromStrings(name, values.NestedShape, values.Strings!)
            : Tensor.FromBytes(name, type, values.NestedShape, values.Bytes);
    }

    public static void WriteResponse(Utf8JsonWriter writer, Tensor[] outputs)
    {
        if (outputs.Length == 1)
        {
            TensorJson.WriteNested(writer, outputs[0]);
        }
        else
        {
            writer.WriteStartObject();
            foreach (var output in outputs)
            {
                writer.WritePropertyName(output.Name);
                TensorJson.WriteNested(writer, output);
            }
            writer.WriteEndObject();
        }
        writer.Flush();
    }
}
