using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mlctl.AzureMl;

/// <summary>
/// Reads the fields of one file (JSON, or YAML turned into JSON) and collects every broken rule, so a file is judged in
/// full before anything is created, and each problem names the file, the field and the rule.
/// </summary>
public sealed class FileCheck(string file)
{
    private readonly List<FileProblem> _problems = [];

    public string File { get; } = file;

    /// <summary>The folder relative paths in the file are resolved against.</summary>
    public string Folder => Path.GetDirectoryName(Path.GetFullPath(File))!;

    public IReadOnlyList<FileProblem> Problems => _problems;

    public void Add(string field, string rule) => _problems.Add(new FileProblem(File, field, rule));

    public bool Has(string field) => _problems.Any(p => p.Field == field);

    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new FileValidationException(_problems);
    }

    /// <summary>Fields that are neither supported nor known-but-refused are reported as unknown, with the supported list.</summary>
    public void OnlyKnown(JsonObject obj, string prefix, IReadOnlyCollection<string> supported, IReadOnlyDictionary<string, string>? refused = null)
    {
        foreach (var (name, _) in obj)
        {
            if (supported.Contains(name)) continue;
            if (refused is not null && refused.TryGetValue(name, out var reason)) Add(Join(prefix, name), reason);
            else Add(Join(prefix, name), $"is not a field this file takes (supported: {string.Join(", ", supported)}).");
        }
    }

    public static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    public JsonObject? Object(JsonObject parent, string name, string prefix = "", bool required = false)
    {
        var node = Get(parent, name, prefix, required);
        if (node is null) return null;
        if (node is JsonObject o) return o;
        Add(Join(prefix, name), "must be a mapping of fields.");
        return null;
    }

    public string? String(JsonObject parent, string name, string prefix = "", bool required = false)
    {
        var node = Get(parent, name, prefix, required);
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Trim().Length > 0) return v.GetValue<string>();
        // YAML writes 1.5 or true unquoted: a string field takes a scalar's text as written.
        if (node is JsonValue scalar && scalar.GetValueKind() is JsonValueKind.Number) return scalar.ToJsonString();
        Add(Join(prefix, name), "must be a non-empty string.");
        return null;
    }

    public bool? Bool(JsonObject parent, string name, string prefix = "")
    {
        var node = Get(parent, name, prefix, false);
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        Add(Join(prefix, name), "must be true or false.");
        return null;
    }

    public double? Number(JsonObject parent, string name, string prefix = "", double min = double.MinValue, double max = double.MaxValue, bool exclusiveMin = false)
    {
        var node = Get(parent, name, prefix, false);
        if (node is null) return null;
        double value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number) value = double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
        else if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String && double.TryParse(s.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) value = parsed;
        else
        {
            Add(Join(prefix, name), "must be a number.");
            return null;
        }
        if (value < min || value > max || (exclusiveMin && value <= min))
        {
            var upper = max == double.MaxValue ? "" : $" and at most {max.ToString(CultureInfo.InvariantCulture)}";
            Add(Join(prefix, name), exclusiveMin
                ? $"must be greater than {min.ToString(CultureInfo.InvariantCulture)}{upper} (got {value.ToString(CultureInfo.InvariantCulture)})."
                : max == double.MaxValue
                    ? $"must be at least {min.ToString(CultureInfo.InvariantCulture)} (got {value.ToString(CultureInfo.InvariantCulture)})."
                    : $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)} (got {value.ToString(CultureInfo.InvariantCulture)}).");
            return null;
        }
        return value;
    }

    public int? Int(JsonObject parent, string name, string prefix = "", int min = int.MinValue, int max = int.MaxValue)
    {
        var number = Number(parent, name, prefix);
        if (number is null) return null;
        if (number != Math.Floor(number.Value))
        {
            Add(Join(prefix, name), $"must be a whole number (got {number.Value.ToString(CultureInfo.InvariantCulture)}).");
            return null;
        }
        if (number < min || number > max)
        {
            Add(Join(prefix, name), max == int.MaxValue ? $"must be at least {min} (got {number})." : $"must be between {min} and {max} (got {number}).");
            return null;
        }
        return (int)number.Value;
    }

    public Dictionary<string, string>? StringMap(JsonObject parent, string name, string prefix = "")
    {
        var obj = Object(parent, name, prefix);
        if (obj is null) return null;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (value is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                map[key] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
            else Add(Join(Join(prefix, name), key), "must be a text value.");
        }
        return map;
    }

    /// <summary>A path in the file, resolved against the file's folder; reported when it does not exist.</summary>
    public string? ExistingPath(string? relative, string field, string baseFolder, bool directory = false, bool file = false)
    {
        if (relative is null) return null;
        var full = Path.GetFullPath(relative, baseFolder);
        var exists = directory ? Directory.Exists(full) : file ? System.IO.File.Exists(full) : System.IO.File.Exists(full) || Directory.Exists(full);
        if (!exists)
        {
            Add(field, $"'{relative}' does not exist (looked for {(directory ? "a folder" : file ? "a file" : "a file or folder")} at {full}).");
            return null;
        }
        return full;
    }

    private JsonNode? Get(JsonObject parent, string name, string prefix, bool required)
    {
        var node = parent[name];
        if (node is null && required) Add(Join(prefix, name), "is required.");
        return node;
    }
}
