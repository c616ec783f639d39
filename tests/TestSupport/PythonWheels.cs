using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace TestSupport;

/// <summary>
/// Small pure-Python wheels made by the tests themselves (PyPI is not reachable here): a zip with the package's
/// modules and the dist-info pip reads (METADATA, WHEEL, RECORD with each file's hash), as PEP 427 lays it out.
/// </summary>
public static class PythonWheels
{
    /// <summary>A wheel of distribution <paramref name="name"/> whose package has the given modules (file → source).</summary>
    public static (string FileName, byte[] Bytes) Build(string name, string version, IReadOnlyDictionary<string, string> modules)
    {
        var distInfo = $"{name}-{version}.dist-info";
        var files = new List<(string Path, byte[] Bytes)>();
        files.AddRange(modules.Select(m => (m.Key, Encoding.UTF8.GetBytes(m.Value))));
        files.Add(($"{distInfo}/METADATA", Encoding.UTF8.GetBytes($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")));
        files.Add(($"{distInfo}/WHEEL", Encoding.UTF8.GetBytes("Wheel-Version: 1.0\nGenerator: platform-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")));
        var record = new StringBuilder();
        foreach (var (path, bytes) in files)
        {
            var digest = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append($"{path},sha256={digest},{bytes.Length}\n");
        }
        record.Append($"{distInfo}/RECORD,,\n");
        files.Add(($"{distInfo}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in files)
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
                // The same content gives the same bytes (and so the same environment hash, built once per machine).
                entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }
        return ($"{name}-{version}-py3-none-any.whl", buffer.ToArray());
    }

    /// <summary>
    /// Where tests keep built environments between runs (a clean clone of CI still builds each hash once per
    /// machine): ~/.cache/model-platform/envs, or PLATFORM_TEST_ENV_CACHE.
    /// </summary>
    public static string EnvironmentCache =>
        Environment.GetEnvironmentVariable("PLATFORM_TEST_ENV_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "model-platform", "envs");
}
