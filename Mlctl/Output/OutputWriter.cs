using System.Text.Json;
using System.Text.Json.Nodes;
using Mlctl.Cli;
using Spectre.Console;
using YamlDotNet.Serialization;

namespace Mlctl.Output;

/// <summary>Writes a result as a table (for people), JSON or YAML (for scripts), always on stdout.</summary>
public sealed class OutputWriter(MlctlEnvironment env, OutputFormat format)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public OutputFormat Format { get; } = format;

    /// <summary>One object (shown as field/value rows) or a list (one row per item, the given columns).</summary>
    public void Write(object? value, params Column[] columns)
    {
        var node = value as JsonNode ?? JsonSerializer.SerializeToNode(value, value?.GetType() ?? typeof(object), Json);
        switch (Format)
        {
            case OutputFormat.Json:
                env.Output.WriteLine(node?.ToJsonString(Json) ?? "null");
                break;
            case OutputFormat.Yaml:
                env.Output.Write(new SerializerBuilder().Build().Serialize(ToPlain(node) ?? ""));
                break;
            default:
                WriteTable(node, columns);
                break;
        }
    }

    /// <summary>A plain message: on stdout for tables, left out of JSON/YAML output so that stays parseable.</summary>
    public void Message(string text)
    {
        if (Format == OutputFormat.Table) env.Console.MarkupLine(Markup.Escape(text));
    }

    private void WriteTable(JsonNode? node, Column[] columns)
    {
        if (node is JsonArray rows)
        {
            if (rows.Count == 0)
            {
                env.Console.MarkupLine("[grey](none)[/]");
                return;
            }
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in columns) table.AddColumn(c.Header);
            foreach (var row in rows) table.AddRow(columns.Select(c => Markup.Escape(c.Read(row))).ToArray());
            env.Console.Write(table);
            return;
        }
        if (node is JsonObject obj)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Field").AddColumn("Value");
            var shown = columns.Length > 0 ? columns : obj.Select(p => new Column(p.Key, p.Key)).ToArray();
            foreach (var c in shown) table.AddRow(Markup.Escape(c.Header), Markup.Escape(c.Read(obj)));
            env.Console.Write(table);
            return;
        }
        env.Console.WriteLine(node?.ToString() ?? "");
    }

    /// <summary>JSON as dictionaries, lists and scalars, which YamlDotNet writes as ordinary YAML.</summary>
    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => node.ToJsonString(),
    };
}
