using System.Text.Json.Nodes;

namespace Mlctl.Output;

/// <summary>A table column: its header and the JSON path (dots) of the value in each row.</summary>
public sealed record Column(string Header, string Path)
{
    public string Read(JsonNode? row)
    {
        var node = row;
        foreach (var part in Path.Split('.'))
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when part == "length" => JsonValue.Create(a.Count),
                _ => null,
            };
        return node switch
        {
            null => "",
            JsonValue v => v.ToString(),
            JsonObject o => string.Join(", ", o.Select(p => $"{p.Key}={p.Value}")),
            JsonArray a => string.Join(", ", a.Select(x => x?.ToString())),
            _ => node.ToJsonString(),
        };
    }
}
