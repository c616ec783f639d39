using System.Text.Json;
using Mlctl.Cli;

namespace Mlctl.Configuration;

/// <summary>The platform address and admin key, and where they came from (shown by <c>mlctl login --show</c>).</summary>
public sealed record MlctlSettings(Uri Url, string? AdminKey, string Source)
{
    public const string UrlVariable = "MLCTL_URL";
    public const string KeyVariable = "MLCTL_ADMIN_KEY";
    public const string ConfigVariable = "MLCTL_CONFIG";
    public const string CheckoutVariable = "MLCTL_CHECKOUT";

    private sealed record ConfigFile(string? Url, string? AdminKey);

    /// <summary>
    /// In order: MLCTL_URL / MLCTL_ADMIN_KEY, then the file <c>mlctl login</c> wrote, then the checkout's <c>.data/admin-key</c>
    /// (found above the working folder, or MLCTL_CHECKOUT which <c>./mlctl</c> sets) with <c>http://127.0.0.1:8080</c>.
    /// </summary>
    public static MlctlSettings Resolve(MlctlEnvironment env)
    {
        var url = env.Variables(UrlVariable);
        var key = env.Variables(KeyVariable);
        var source = new List<string>();
        if (!string.IsNullOrWhiteSpace(url)) source.Add(UrlVariable);
        if (!string.IsNullOrWhiteSpace(key)) source.Add(KeyVariable);

        var configPath = ConfigPath(env);
        if ((string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(key)) && File.Exists(configPath))
        {
            var saved = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(configPath), JsonOptions);
            if (string.IsNullOrWhiteSpace(url) && !string.IsNullOrWhiteSpace(saved?.Url)) url = saved.Url;
            if (string.IsNullOrWhiteSpace(key) && !string.IsNullOrWhiteSpace(saved?.AdminKey)) key = saved.AdminKey;
            source.Add(configPath);
        }
        if (string.IsNullOrWhiteSpace(key) && FindCheckoutKey(env) is { } keyFile)
        {
            key = File.ReadAllText(keyFile).Trim();
            source.Add(keyFile);
        }
        if (string.IsNullOrWhiteSpace(url)) url = "http://127.0.0.1:8080";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new MlctlUsageException($"The platform URL '{url}' is not an absolute http:// or https:// URL.");
        return new MlctlSettings(uri, string.IsNullOrWhiteSpace(key) ? null : key, source.Count == 0 ? "defaults" : string.Join(", ", source));
    }

    public static string ConfigPath(MlctlEnvironment env) =>
        env.Variables(ConfigVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(env.Variables("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(env.Variables("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "mlctl", "config.json");

    public static void Save(MlctlEnvironment env, Uri url, string adminKey)
    {
        var path = ConfigPath(env);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The admin key is a secret: the file is readable by its owner only.
        File.WriteAllText(path, JsonSerializer.Serialize(new ConfigFile(url.ToString(), adminKey), JsonOptions));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string? FindCheckoutKey(MlctlEnvironment env)
    {
        if (env.Variables(CheckoutVariable) is { Length: > 0 } checkout)
        {
            var file = Path.Combine(checkout, ".data", "admin-key");
            if (File.Exists(file)) return file;
        }
        for (var dir = new DirectoryInfo(env.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".data", "admin-key");
            if (File.Exists(file)) return file;
        }
        return null;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
