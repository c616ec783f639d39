using System.Text.Json;

namespace Compute.Service.Catalogue;

public sealed record VmSize(string Name, int VCpus, decimal MemoryGb, int Gpus);

/// <summary>The VM sizes a compute may name, read from <c>Catalogue/vm-sizes.json</c> so new sizes need no code change.</summary>
public sealed class VmSizeCatalogue
{
    public const string DefaultSize = "Standard_D3_v2";

    private readonly Dictionary<string, VmSize> _sizes;

    public VmSizeCatalogue(IEnumerable<VmSize> sizes) =>
        _sizes = sizes.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<VmSize> All => _sizes.Values;

    /// <summary>Case-insensitive, as Azure treats VM size names; returns the catalogue's spelling.</summary>
    public VmSize? Find(string name) => _sizes.GetValueOrDefault(name);

    public static VmSizeCatalogue Load(string path)
    {
        using var stream = File.OpenRead(path);
        var sizes = JsonSerializer.Deserialize<List<VmSize>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"VM size catalogue {path} is empty.");
        if (sizes.Count == 0 || sizes.Any(s => string.IsNullOrWhiteSpace(s.Name) || s.VCpus <= 0 || s.MemoryGb <= 0 || s.Gpus < 0))
            throw new InvalidOperationException($"VM size catalogue {path} has an entry without a name or with non-positive vCPUs or memory.");
        return new VmSizeCatalogue(sizes);
    }

    public static VmSizeCatalogue LoadDefault() =>
        Load(Path.Combine(AppContext.BaseDirectory, "Catalogue", "vm-sizes.json"));
}
