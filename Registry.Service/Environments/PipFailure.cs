using System.Text.RegularExpressions;

namespace Registry.Service.Environments;

/// <summary>Turns pip's output into one sentence that names what failed.</summary>
public static partial class PipFailure
{
    public static string Explain(string log, int exitCode)
    {
        if (NotFound().Match(log) is { Success: true } missing)
            return $"The package '{missing.Groups["package"].Value}' was found nowhere: not among the environment's wheels, " +
                "nor in the platform's wheel folders or package index (PyPI is not reachable from this platform; add it as a private wheel).";
        if (NoVersion().Match(log) is { Success: true } version)
            return $"No version of '{version.Groups["package"].Value}' satisfies the requirement: {version.Groups["detail"].Value.Trim()}";
        var lastError = log.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("ERROR:", StringComparison.Ordinal));
        return lastError is not null ? $"pip failed (exit code {exitCode}): {lastError}" : $"pip failed (exit code {exitCode}).";
    }

    [GeneratedRegex(@"No matching distribution found for (?<package>\S+)")]
    private static partial Regex NotFound();

    [GeneratedRegex(@"Could not find a version that satisfies the requirement (?<package>\S+)(?<detail>[^\n]*)")]
    private static partial Regex NoVersion();
}
