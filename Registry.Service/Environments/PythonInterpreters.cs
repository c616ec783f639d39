using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Registry.Service.Environments;

/// <summary>
/// The interpreters environments can be built on: the base one (Debian's python3) and, for a conda
/// <c>python=3.X</c>, <c>/usr/bin/python3.X</c> when it is installed. Versions are asked of the interpreter itself.
/// </summary>
public sealed class PythonInterpreters(IOptions<EnvironmentOptions> options)
{
    private readonly ConcurrentDictionary<string, string?> _versions = new(StringComparer.Ordinal);

    public string BasePath => options.Value.BasePython;

    /// <summary>"3.11" for the base interpreter; null when it cannot be run.</summary>
    public string? BaseVersion => VersionOf(BasePath);

    /// <summary>The interpreter for <paramref name="version"/> (null: the base one), or an error saying what is there.</summary>
    public (string? Path, string? Version, string? Error) Resolve(string? version)
    {
        var baseVersion = BaseVersion;
        if (baseVersion is null)
            return (null, null, $"The platform's Python interpreter '{BasePath}' cannot be run; environments cannot be built.");
        if (version is null || version == baseVersion) return (BasePath, baseVersion, null);
        var candidate = $"/usr/bin/python{version}";
        if (File.Exists(candidate) && VersionOf(candidate) == version) return (candidate, version, null);
        return (null, null, $"python={version} is not available on this platform; it has Python {baseVersion} ({BasePath}).");
    }

    private string? VersionOf(string path) => _versions.GetOrAdd(path, static p =>
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(p, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(30_000) && process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    });
}
