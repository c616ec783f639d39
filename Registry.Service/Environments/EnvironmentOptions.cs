using System.ComponentModel.DataAnnotations;

namespace Registry.Service.Environments;

/// <summary>
/// How environments are built, section <c>Environments</c> (e.g. <c>Environments__Root</c>). PyPI is not reachable
/// from our machines: pip sees only the environment's own wheels plus the operator's <see cref="WheelFolders"/> and
/// <see cref="IndexUrl"/>.
/// </summary>
public sealed class EnvironmentOptions
{
    public const string Section = "Environments";

    /// <summary>Folder of built environments, one per content hash ({Root}/{hash}/venv). A folder that survives restarts
    /// (and test runs) is a cache: a hash built there before is reused, not rebuilt.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = "";

    /// <summary>The base interpreter: Debian's python3, whose site packages (numpy, scipy, scikit-learn, pandas,
    /// joblib) every environment sees. A conda <c>python=3.X</c> is honoured when /usr/bin/python3.X exists.</summary>
    [Required(AllowEmptyStrings = false)]
    public string BasePython { get; set; } = "/usr/bin/python3";

    /// <summary>A package index (PEP 503 simple API) the operator runs; empty: none (pip's --no-index).</summary>
    public string IndexUrl { get; set; } = "";

    /// <summary>Folders of wheels the operator provides to every environment (pip's --find-links).</summary>
    public List<string> WheelFolders { get; set; } = [];

    /// <summary>Most builds waiting at once; beyond it a registration is refused with 429.</summary>
    [Range(1, 10_000)]
    public int MaxQueuedBuilds { get; set; } = 16;

    [Range(typeof(TimeSpan), "00:00:10", "06:00:00")]
    public TimeSpan BuildTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>The build log kept in the database (its tail); the whole log stays in {Root}/{hash}/build.log.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxLogChars { get; set; } = 64 * 1024;
}
