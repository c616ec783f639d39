using System.Text.Json.Nodes;
using Deploy.Service.Apis;

namespace Deploy.Service.Rollout;

/// <summary>
/// A KServe v2 infer request synthesised from a model's declared inputs: every dynamic dimension becomes 1 and every
/// element zero (false, ""), which any model accepts, so a warm-up proves the replica loads, runs and answers.
/// </summary>
public static class WarmupRequest
{
    public const long MaxElements = 16L << 20;

    public static JsonObject? Build(IReadOnlyList<TensorResponse> inputs, out string? whyNot)
    {
        whyNot = null;
        var tensors = new JsonArray();
        foreach (var input in inputs)
        {
            if (string.IsNullOrEmpty(input.Datatype))
            {
                whyNot = $"input '{input.Name}' is not a tensor";
                return null;
            }
            var shape = input.Shape.Select(d => d < 0 ? 1 : d).ToArray();
            var count = shape.Aggregate(1L, (a, b) => a * b);
            if (count > MaxElements)
            {
                whyNot = $"input '{input.Name}' has {count} elements";
                return null;
            }
            JsonNode Zero() => input.Datatype switch
            {
                "BOOL" => JsonValue.Create(false),
                "BYTES" => JsonValue.Create(""),
                "FP16" or "BF16" or "FP32" or "FP64" => JsonValue.Create(0.0),
                _ => JsonValue.Create(0),
            };
            var data = new JsonArray();
            for (long i = 0; i < count; i++) data.Add(Zero());
            tensors.Add(new JsonObject
            {
                ["name"] = input.Name,
                ["shape"] = new JsonArray(shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["datatype"] = input.Datatype,
                ["data"] = data,
            });
        }
        return new JsonObject { ["inputs"] = tensors };
    }
}
