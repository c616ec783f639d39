using System.Text.RegularExpressions;

namespace Registry.Service.Models;

/// <summary>The rules of API.md for what a user may name and tag a model; each returns the broken rule, or null.</summary>
public static partial class ModelRules
{
    public const int MaxNameLength = 255;
    public const int MaxDescriptionLength = 8000;
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 128;
    public const int MaxTagValueLength = 256;
    public const int MaxPathLength = 1024;
    public const int MaxUserLength = 255;

    public const string DefaultFramework = "onnx";

    /// <summary>
    /// Frameworks a version may declare (Azure ML's names, lower-cased, plus common aliases). onnx versions are
    /// inspected and can be served directly; the others are any files, served through a scoring script; "custom" is
    /// also what a deployment's code folder is registered as.
    /// </summary>
    public static readonly IReadOnlyList<string> Frameworks =
        ["onnx", "custom", "sklearn", "scikit-learn", "scikitlearn", "pytorch", "tensorflow", "keras", "xgboost", "lightgbm", "multi", "mlflow"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "The name is required.";
        if (name.Length > MaxNameLength) return $"The name must be at most {MaxNameLength} characters long (it has {name.Length}).";
        if (!NamePattern().IsMatch(name))
            return "The name may contain only letters, digits, '.', '_' and '-', and must start with a letter or a digit.";
        return null;
    }

    public static string? CheckDescription(string? description) =>
        description is { Length: > MaxDescriptionLength }
            ? $"The description must be at most {MaxDescriptionLength} characters long (it has {description.Length})."
            : null;

    public static string? CheckFramework(string? framework) =>
        framework is not null && Frameworks.Contains(framework, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"The framework must be one of: {string.Join(", ", Frameworks)}.";

    public static IEnumerable<string> CheckTags(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > MaxTags) yield return $"At most {MaxTags} tags are allowed (there are {tags.Count}).";
        foreach (var (key, value) in tags)
        {
            if (key.Length == 0) yield return "A tag key must not be empty.";
            else if (key.Length > MaxTagKeyLength) yield return $"The tag key '{key[..32]}…' is longer than {MaxTagKeyLength} characters.";
            else if (key.Any(char.IsControl)) yield return $"The tag key '{key}' contains control characters.";
            if (value.Length > MaxTagValueLength) yield return $"The value of tag '{key}' is longer than {MaxTagValueLength} characters.";
        }
    }

    /// <summary>
    /// A file's relative path inside a version, as carried by a multipart file name: '/'-separated (a '\' is read as
    /// '/'), no empty, '.' or '..' segments, not absolute, no control characters. Returns the normalized path or the error.
    /// </summary>
    public static (string? Path, string? Error) NormalizePath(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return (null, "Every file part needs a file name (its relative path).");
        var path = raw.Replace('\\', '/');
        if (path.Length > MaxPathLength) return (null, $"The file path '{path[..64]}…' is longer than {MaxPathLength} characters.");
        if (path.StartsWith('/') || (path.Length > 1 && path[1] == ':'))
            return (null, $"The file path '{path}' must be relative.");
        if (path.Any(char.IsControl)) return (null, $"The file path '{path}' contains control characters.");
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
                return (null, $"The file path '{path}' must not contain empty, '.' or '..' segments.");
        }
        return (path, null);
    }

    public static string? CheckUser(string? user) =>
        string.IsNullOrWhiteSpace(user) ? "The user (who uses the version) is required."
        : user.Length > MaxUserLength ? $"The user must be at most {MaxUserLength} characters long."
        : null;
}
