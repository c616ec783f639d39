using System.Text.Json.Nodes;

namespace Platform.Client;

/// <summary>An RFC 7807 problem details answer: what went wrong and, for validation, which field broke which rule.</summary>
public sealed record PlatformProblem(
    int Status,
    string? Title,
    string? Detail,
    string? Type,
    IReadOnlyDictionary<string, string[]> Errors,
    string RawBody)
{
    /// <summary>Reads a problem body; a body that is not problem JSON (a proxy's HTML page, plain text) is kept as the detail.</summary>
    public static PlatformProblem Parse(int status, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject json)
            {
                var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (json["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages switch
                        {
                            JsonArray array => array.Select(m => m?.ToString() ?? "").ToArray(),
                            null => [],
                            _ => [messages.ToString()],
                        };
                    }
                }
                return new PlatformProblem(
                    json["status"] is JsonValue s && s.TryGetValue<int>(out var st) ? st : status,
                    (string?)json["title"], (string?)json["detail"], (string?)json["type"], errors, body);
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return new PlatformProblem(status, null, string.IsNullOrWhiteSpace(body) ? null : body.Trim(), null,
            new Dictionary<string, string[]>(), body);
    }

    /// <summary>One line per field error after the title and detail, as a command line shows it.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"{Status} {Title ?? "Error"}{(Detail is null ? "" : ": " + Detail)}" };
        lines.AddRange(Errors.SelectMany(e => e.Value.Select(m => $"  {e.Key}: {m}")));
        return string.Join(Environment.NewLine, lines);
    }
}
