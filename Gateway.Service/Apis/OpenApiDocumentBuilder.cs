using System.Text.Json.Nodes;
using Gateway.Service.Routing;

namespace Gateway.Service.Apis;

/// <summary>
/// An endpoint's own OpenAPI 3 document, built from its model's inputs and outputs: the request schema is the
/// Azure ML <c>{"data": …}</c> body (a nested array for one input, an object of nested arrays for several), the
/// response the output(s), with an example request of zeros shaped like the inputs (dynamic dimensions as 1).
/// </summary>
public static class OpenApiDocumentBuilder
{
    /// <summary>Examples larger than this many values are left out: a document should stay readable.</summary>
    public const long MaxExampleElements = 65_536;

    public static JsonObject Build(EndpointRoute endpoint, DeploymentRoute? deployment)
    {
        var inputs = deployment?.Inputs ?? [];
        var outputs = deployment?.Outputs ?? [];

        JsonNode requestData = inputs.Count == 1
            ? TensorSchema(inputs[0])
            : new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray([.. inputs.Select(i => (JsonNode)i.Name)]),
                ["properties"] = new JsonObject(inputs.Select(i => KeyValuePair.Create(i.Name, (JsonNode?)TensorSchema(i)))),
            };
        JsonNode responseSchema = outputs.Count == 1
            ? TensorSchema(outputs[0])
            : new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject(outputs.Select(o => KeyValuePair.Create(o.Name, (JsonNode?)TensorSchema(o)))),
            };

        var requestBody = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("data"),
            ["properties"] = new JsonObject { ["data"] = requestData },
        };
        var mediaType = new JsonObject { ["schema"] = requestBody };
        if (Example(inputs) is { } example) mediaType["example"] = new JsonObject { ["data"] = example };
        if (deployment is { IsScript: true }) (mediaType, responseSchema) = ScriptSchemas(deployment.ScriptSchemaJson);

        var security = endpoint.AuthMode == AuthMode.None ? new JsonArray() : new JsonArray(new JsonObject { ["bearer"] = new JsonArray() });
        return new JsonObject
        {
            ["openapi"] = "3.0.1",
            ["info"] = new JsonObject
            {
                ["title"] = endpoint.Name,
                ["description"] = endpoint.Description ?? $"Scoring endpoint {endpoint.Name}",
                ["version"] = deployment?.Model ?? "none",
            },
            ["paths"] = new JsonObject
            {
                [$"/endpoints/{endpoint.Name}/score"] = new JsonObject
                {
                    ["post"] = new JsonObject
                    {
                        ["operationId"] = "score",
                        ["summary"] = "Score the model",
                        ["security"] = security,
                        ["parameters"] = new JsonArray(new JsonObject
                        {
                            ["name"] = DeploymentSelector.PinHeader,
                            ["in"] = "header",
                            ["required"] = false,
                            ["description"] = "Send the request to this deployment instead of the traffic split.",
                            ["schema"] = new JsonObject { ["type"] = "string" },
                        }),
                        ["requestBody"] = new JsonObject { ["required"] = true, ["content"] = new JsonObject { ["application/json"] = mediaType } },
                        ["responses"] = new JsonObject
                        {
                            ["200"] = new JsonObject
                            {
                                ["description"] = "The model's output",
                                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = responseSchema } },
                            },
                            ["400"] = Problem("The input does not match the model's inputs"),
                            ["401"] = Problem("A valid credential is required"),
                            ["413"] = Problem("The request body is too large"),
                            ["429"] = Problem("The deployment is overloaded"),
                            ["503"] = Problem("No deployment is Healthy"),
                        },
                    },
                },
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["description"] = endpoint.AuthMode == AuthMode.Token ? "A token from POST /api/v1/endpoints/{name}/token" : "The endpoint's primary or secondary key",
                    },
                },
            },
        };
    }

    /// <summary>
    /// A scoring script's request and response: from its inference_schema samples when it declares them (each
    /// parameter a property of the JSON body, with the sample as the example), else any JSON.
    /// </summary>
    private static (JsonObject MediaType, JsonNode Response) ScriptSchemas(string? schemaJson)
    {
        JsonObject? declared = null;
        try { declared = schemaJson is null ? null : JsonNode.Parse(schemaJson) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        if (declared?["input"] is not JsonObject inputs)
            return (new JsonObject { ["schema"] = new JsonObject { ["description"] = "Whatever the scoring script's run() takes." } },
                new JsonObject { ["description"] = "What the scoring script's run() returns." });
        var properties = new JsonObject();
        var example = new JsonObject();
        foreach (var (name, parameter) in inputs)
        {
            properties[name] = parameter?["schema"]?.DeepClone() ?? new JsonObject();
            example[name] = parameter?["example"]?.DeepClone();
        }
        var request = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray([.. inputs.Select(p => (JsonNode)p.Key)]),
            ["properties"] = properties,
        };
        JsonNode response = declared["output"]?["schema"]?.DeepClone() ?? new JsonObject { ["description"] = "What the scoring script's run() returns." };
        return (new JsonObject { ["schema"] = request, ["example"] = example }, response);
    }

    private static JsonObject Problem(string description) => new()
    {
        ["description"] = description,
        ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } } },
    };

    /// <summary>Nested array schema: one level per dimension, fixed sizes as min/max items, the element type innermost.</summary>
    public static JsonObject TensorSchema(TensorDescription tensor)
    {
        JsonObject schema = ElementSchema(tensor.Datatype);
        for (var i = tensor.Shape.Count - 1; i >= 0; i--)
        {
            var array = new JsonObject { ["type"] = "array", ["items"] = schema };
            if (tensor.Shape[i] > 0)
            {
                array["minItems"] = tensor.Shape[i];
                array["maxItems"] = tensor.Shape[i];
            }
            schema = array;
        }
        schema["description"] = $"{tensor.Name}: {tensor.Datatype} [{string.Join(", ", tensor.Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
        return schema;
    }

    private static JsonObject ElementSchema(string datatype) => datatype.ToUpperInvariant() switch
    {
        "FP16" or "FP32" or "FP64" or "BF16" => new JsonObject { ["type"] = "number" },
        "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64" => new JsonObject { ["type"] = "integer" },
        "BOOL" => new JsonObject { ["type"] = "boolean" },
        _ => new JsonObject { ["type"] = "string" },
    };

    public static JsonNode? Example(IReadOnlyList<TensorDescription> inputs)
    {
        if (inputs.Count == 0) return null;
        if (inputs.Count == 1) return ExampleTensor(inputs[0]);
        var result = new JsonObject();
        foreach (var input in inputs)
        {
            if (ExampleTensor(input) is not { } value) return null;
            result[input.Name] = value;
        }
        return result;
    }

    /// <summary>Zeros (false for BOOL, "" for strings) in the input's shape, dynamic dimensions as 1.</summary>
    public static JsonNode? ExampleTensor(TensorDescription tensor)
    {
        var dims = tensor.Shape.Select(d => d > 0 ? d : 1).ToArray();
        long elements = 1;
        foreach (var d in dims)
        {
            elements *= d;
            if (elements > MaxExampleElements) return null;
        }
        return Build(dims, 0, tensor.Datatype.ToUpperInvariant());

        static JsonNode Build(long[] dims, int level, string datatype)
        {
            if (level == dims.Length)
                return datatype switch
                {
                    "BOOL" => JsonValue.Create(false),
                    "BYTES" => JsonValue.Create(""),
                    "FP16" or "FP32" or "FP64" or "BF16" => JsonValue.Create(0.0),
                    _ => JsonValue.Create(0),
                };
            var array = new JsonArray();
            for (var i = 0; i < dims[level]; i++) array.Add(Build(dims, level + 1, datatype));
            return array;
        }
    }
}
