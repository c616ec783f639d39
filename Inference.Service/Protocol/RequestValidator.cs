using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>Checks a request against the model's declared inputs so that bad input is refused with a clear reason before it reaches ONNX Runtime.</summary>
public static class RequestValidator
{
    public static void Validate(IReadOnlyList<TensorInfo> modelInputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs, IReadOnlyList<TensorInfo> modelOutputs)
    {
        Dictionary<string, string[]>? errors = null;
        void Add(string field, string message)
        {
            errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!seen.Add(input.Name))
            {
                Add(input.Name, "The input is given more than once.");
                continue;
            }
            var spec = FindInput(modelInputs, input.Name);
            if (spec is null)
            {
                Add(input.Name, $"The model has no input named '{input.Name}'; its inputs are: {string.Join(", ", modelInputs.Select(i => i.Name))}.");
                continue;
            }
            if (spec.ElementType != input.ElementType)
            {
                Add(input.Name, $"Expected datatype {DataTypes.Describe(spec.ElementType)}, got {DataTypes.Describe(input.ElementType)}.");
                continue;
            }
            if (spec.Shape.Length != input.Shape.Length)
            {
                Add(input.Name, $"Expected rank {spec.Shape.Length} (shape {FormatShape(spec)}), got rank {input.Shape.Length} (shape [{string.Join(",", input.Shape)}]).");
                continue;
            }
            for (var d = 0; d < spec.Shape.Length; d++)
            {
                if (input.Shape[d] < 0)
                    Add(input.Name, $"Dimension {d} is negative ({input.Shape[d]}).");
                else if (spec.Shape[d] >= 0 && spec.Shape[d] != input.Shape[d])
                    Add(input.Name, $"Dimension {d} must be {spec.Shape[d]} (shape {FormatShape(spec)}), got {input.Shape[d]}.");
            }
        }

        foreach (var spec in modelInputs)
        {
            if (!seen.Contains(spec.Name))
                Add(spec.Name, $"The input is missing: expected {DataTypes.Describe(spec.ElementType)} of shape {FormatShape(spec)}.");
        }

        if (outputs is not null)
        {
            foreach (var name in outputs)
            {
                if (!modelOutputs.Any(o => o.Name == name))
                    Add(name, $"The model has no output named '{name}'; its outputs are: {string.Join(", ", modelOutputs.Select(o => o.Name))}.");
            }
        }

        if (errors is not null) throw new InvalidInferenceRequestException(errors);
    }

    private static TensorInfo? FindInput(IReadOnlyList<TensorInfo> inputs, string name)
    {
        foreach (var i in inputs)
            if (i.Name == name) return i;
        return null;
    }

    public static string FormatShape(TensorInfo spec) =>
        "[" + string.Join(",", spec.Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : spec.DimensionNames.Length > i && spec.DimensionNames[i].Length > 0 ? spec.DimensionNames[i] : "-1")) + "]";
}
