using System.Text.Json;

namespace Mlctl.AzureMl;

public sealed record VmSize(string Name, int VCpus, double MemoryGb, int Gpus);

/// <summary>The platform's VM size catalogue (Compute.Service/Catalogue/vm-sizes.json, embedded): instance_type → cores, memory, GPUs.</summary>
public static class VmCatalogue
{
    private static readonly Lazy<IReadOnlyList<VmSize>> Sizes = new(() =>
    {
        using var stream = typeof(VmCatalogue).Assembly.GetManifestResourceStream("vm-sizes.json")
            ?? throw new InvalidOperationException("vm-sizes.json is not embedded in mlctl.");
        return JsonSerializer.Deserialize<List<VmSize>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    });

    public static IReadOnlyList<VmSize> All => Sizes.Value;

    /// <summary>Case-insensitive, as Azure treats size names.</summary>
    public static VmSize? Find(string name) => All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
