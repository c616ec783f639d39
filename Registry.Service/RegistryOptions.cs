using System.ComponentModel.DataAnnotations;

namespace Registry.Service;

/// <summary>Settings of the registry, section <c>Registry</c> (e.g. <c>Registry__BlobRoot</c>).</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>Folder of the content-addressed blob store; relative paths are taken from the working directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string BlobRoot { get; set; } = "";

    /// <summary>Most bytes of file content one registration may upload (all its files together); beyond it: 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    [Range(1, 100_000)]
    public int MaxFilesPerVersion { get; set; } = 1000;

    /// <summary>
    /// How long a blob no row references is kept before the collector removes it. Long enough that a registration
    /// which has just reused (and touched) the blob commits its row first.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan OrphanBlobGracePeriod { get; set; } = TimeSpan.FromHours(1);
}
