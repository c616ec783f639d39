using System.Security.Cryptography;
using System.Text;

namespace Deploy.Service.Domain;

/// <summary>
/// Everything that shapes a package (after Azure ML's image cache key): the model's files by path and sha256,
/// the inference runtime's version, the batching settings baked into the package manifest, and the execution provider.
/// Deliberately not in it: instance count, cores, memory, endpoint and deployment names, file order — those change
/// where and how often a package runs, not what it is, so changing them reuses the package.
/// </summary>
public sealed record PackageKeyInputs(
    IReadOnlyList<PackageFileDigest> Files,
    string RuntimeVersion,
    int MaxBatchSize,
    long MaxQueueDelayMicroseconds,
    string Provider)
{
    /// <summary>One line per input, in a fixed order: hashed as is and shown to users so they can see why a rebuild happened.</summary>
    public IReadOnlyList<string> CanonicalLines()
    {
        var lines = new List<string>
        {
            $"runtime={RuntimeVersion}",
            $"provider={Provider}",
            $"batching.maxBatchSize={MaxBatchSize}",
            $"batching.maxQueueDelayMicroseconds={MaxQueueDelayMicroseconds}",
        };
        lines.AddRange(Files
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .Select(f => $"file={f.Path} sha256={f.Sha256.ToLowerInvariant()}"));
        return lines;
    }

    public string ComputeKey()
    {
        var text = string.Join('\n', CanonicalLines());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>"cuda" when the deployment asks for a GPU, else "cpu".</summary>
    public static string ProviderFor(int gpus) => gpus > 0 ? "cuda" : "cpu";
}

public sealed record PackageFileDigest(string Path, string Sha256);
