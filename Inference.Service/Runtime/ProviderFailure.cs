using System.Text.RegularExpressions;

namespace Inference.Service.Runtime;

/// <summary>Why a GPU provider did not load, in ORT's words: its exception says only "Failed to load shared library".</summary>
internal static partial class ProviderFailure
{
    // A log line reads "<source location> [ONNXRuntimeError] : 1 : FAIL : Failed to load library … with error: libcublasLt.so.13: …".
    [GeneratedRegex(@"\[ONNXRuntimeError\] : \d+ : \w+ : (?<text>.*)$", RegexOptions.Singleline)]
    private static partial Regex LoggedError();

    public static string Describe(string provider, int device, string message, IReadOnlyList<string> log)
    {
        var cause = log.Select(line => LoggedError().Match(line) is { Success: true } m ? m.Groups["text"].Value : line)
            .LastOrDefault(line => !string.IsNullOrWhiteSpace(line));
        var reason = $"{provider} execution provider unavailable on device {device}: {message.Trim()}";
        return cause is null || message.Contains(cause, StringComparison.Ordinal) ? reason : $"{reason} ({cause.Trim()})";
    }
}
