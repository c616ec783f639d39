using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mlctl.AzureMl;

/// <summary>Loads a JSON (v1) or YAML (v2) file as a JSON object, a syntax error reported with its file and line.</summary>
public static class StructuredFile
{
    public static JsonObject LoadJson(string path)
    {
        var text = ReadText(path);
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new FileValidationException(path, "(file)", "must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FileValidationException(path, $"(line {ex.LineNumber + 1})", $"is not valid JSON: {ex.Message}");
        }
    }

    public static JsonObject LoadYaml(string path)
    {
        var text = ReadText(path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new FileValidationException(path, $"(line {ex.Start.Line})", $"is not valid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up this way on some unterminated constructs (an open [ or {).
            throw new FileValidationException(path, "(line ?)", $"is not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new FileValidationException(path, "(file)", "must hold one YAML document with a mapping of fields at the top.");
        return (JsonObject)Convert(root, path, "")!;
    }

    private static string ReadText(string path)
    {
        if (!File.Exists(path)) throw new FileValidationException(path, "(file)", "does not exist.");
        return File.ReadAllText(path);
    }

    private static JsonNode? Convert(YamlNode node, string file, string at)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? throw new FileValidationException(file, at, $"line {key.Start.Line}: keys must be plain names.");
                    if (obj.ContainsKey(name)) throw new FileValidationException(file, FileCheck.Join(at, name), $"line {key.Start.Line}: appears twice.");
                    obj[name] = Convert(value, file, FileCheck.Join(at, name));
                }
                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray(sequence.Children.Select((c, i) => Convert(c, file, $"{at}[{i}]")).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FileValidationException(file, at, $"line {node.Start.Line}: aliases and tags are not supported.");
        }
    }

    /// <summary>YAML 1.2's core schema: unquoted true/false, null, integers and floats are typed; anything quoted is text.</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) && !double.IsInfinity(d)) return JsonValue.Create(d);
        return JsonValue.Create(text);
    }
}
