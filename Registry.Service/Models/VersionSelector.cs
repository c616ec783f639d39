using System.Globalization;

namespace Registry.Service.Models;

/// <summary>A version as a caller names it: a number (1, 2, …) or "latest".</summary>
public readonly record struct VersionSelector(int? Number)
{
    public bool IsLatest => Number is null;

    public static VersionSelector Latest => new(null);

    /// <summary>Parses "3" or "latest" (empty means latest when <paramref name="emptyIsLatest"/>); false for anything else.</summary>
    public static bool TryParse(string? text, out VersionSelector selector, bool emptyIsLatest = false)
    {
        selector = Latest;
        if (string.IsNullOrEmpty(text)) return emptyIsLatest;
        if (string.Equals(text, "latest", StringComparison.OrdinalIgnoreCase)) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1)
        {
            selector = new VersionSelector(number);
            return true;
        }
        return false;
    }

    public const string Rule = "The version must be a positive whole number or 'latest'.";

    public override string ToString() => Number?.ToString(CultureInfo.InvariantCulture) ?? "latest";
}
