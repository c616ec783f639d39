using System.Text.RegularExpressions;

namespace Deploy.Service.Domain;

/// <summary>
/// Names of endpoints, deployments and deploy rules: 3–32 characters, letters, digits and '-', starting with a letter.
/// They appear in URLs (/endpoints/{name}/score), in node-local model names and in reservation ids, so they are kept
/// to a character set that needs no escaping anywhere.
/// </summary>
public static partial class ResourceNames
{
    public const int MinLength = 3;
    public const int MaxLength = 32;
    public const string Rule = "3–32 characters: letters, digits and '-', starting with a letter";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9-]{2,31}$")]
    private static partial Regex Pattern();
}

/// <summary>A model reference "name:version", where version is a positive integer or "latest".</summary>
public sealed partial record ModelReference(string Name, string Version)
{
    public const string Rule = "must be 'name:version' where name is 1–255 of A-Za-z0-9._- starting with a letter or digit, and version is a positive integer or 'latest'";

    public static bool TryParse(string? text, out ModelReference reference)
    {
        reference = new ModelReference("", "");
        if (text is null) return false;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        var version = match.Groups["version"].Value;
        if (version != "latest" && (!int.TryParse(version, out var n) || n < 1)) return false;
        reference = new ModelReference(match.Groups["name"].Value, version);
        return true;
    }

    public static bool IsValidModelName(string? name) => name is not null && NamePattern().IsMatch(name);

    public override string ToString() => $"{Name}:{Version}";

    [GeneratedRegex("^(?<name>[A-Za-z0-9][A-Za-z0-9._-]{0,254}):(?<version>latest|[0-9]{1,9})$")]
    private static partial Regex Pattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")]
    private static partial Regex NamePattern();
}
