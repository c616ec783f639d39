namespace Registry.Service.Models;

/// <summary>
/// A <c>tag=</c> query filter: <c>key:value</c> matches versions whose tag <c>key</c> equals <c>value</c> (split at the
/// first ':' so values may contain ':'); a bare <c>key</c> matches versions that have the tag at all.
/// </summary>
public sealed record TagFilter(string Key, string? Value)
{
    public static bool TryParse(string? text, out TagFilter? filter, out string? error)
    {
        filter = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "A tag filter must be 'key:value' or 'key'; it was empty.";
            return false;
        }
        var colon = text.IndexOf(':');
        var key = colon < 0 ? text : text[..colon];
        if (key.Length == 0)
        {
            error = $"The tag filter '{text}' has an empty key; use 'key:value' or 'key'.";
            return false;
        }
        if (key.Length > ModelRules.MaxTagKeyLength)
        {
            error = $"The tag filter's key is longer than {ModelRules.MaxTagKeyLength} characters.";
            return false;
        }
        filter = new TagFilter(key, colon < 0 ? null : text[(colon + 1)..]);
        return true;
    }
}
