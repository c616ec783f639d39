using System.CommandLine;
using Mlctl.Cli;

namespace Mlctl.Commands;

/// <summary>Option builders and the small parsers the verbs share.</summary>
internal static class Options
{
    public static Option<string> Required(string name, string? alias, string description) =>
        alias is null ? new(name) { Description = description, Required = true } : new(name, alias) { Description = description, Required = true };

    public static Option<string?> Optional(string name, string? alias, string description) =>
        alias is null ? new(name) { Description = description } : new(name, alias) { Description = description };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<string[]> Many(string name, string? alias, string description)
    {
        var option = alias is null ? new Option<string[]>(name) : new Option<string[]>(name, alias);
        option.Description = description;
        option.AllowMultipleArgumentsPerToken = true;
        return option;
    }

    /// <summary><c>k=v</c> pairs (az ml's --tag and --traffic).</summary>
    public static Dictionary<string, string> Pairs(IEnumerable<string>? values, string flag)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (values ?? []).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var eq = item.IndexOf('=');
            if (eq <= 0) throw new MlctlUsageException($"{flag} takes key=value pairs (got '{item}').");
            map[item[..eq]] = item[(eq + 1)..];
        }
        return map;
    }

    /// <summary>Destructive verbs want --yes, as az ml does without a terminal to ask on.</summary>
    public static void Confirm(bool yes, string what)
    {
        if (!yes) throw new MlctlUsageException($"Deleting {what} cannot be undone: pass --yes to confirm.");
    }

    public static (string Name, string Version) ModelId(string text, string flag)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new MlctlUsageException($"{flag} takes name:version (got '{text}').");
        return (text[..colon], text[(colon + 1)..]);
    }
}
