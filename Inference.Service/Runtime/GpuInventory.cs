using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Service.Runtime;

public sealed record GpuDevice(int Index, string Name, long MemoryBytes);

/// <summary>
/// The GPUs this node can serve on: those the NVIDIA driver lists (nvidia-smi), and only when ONNX Runtime's CUDA
/// provider also loads here. A driver without the CUDA 13 / cuDNN 9 libraries ORT needs offers no GPU: Compute
/// would otherwise place GPU deployments on a node that can only run them on CPU.
/// </summary>
public sealed class GpuInventory(IOptions<InferenceOptions> options, ILogger<GpuInventory> logger)
{
    private readonly Lazy<(IReadOnlyList<GpuDevice> Devices, string? Reason)> _probe = new(() => Probe(options.Value, logger));

    /// <summary>Usable GPUs (at most <see cref="InferenceOptions.Gpus"/> when that is set).</summary>
    public IReadOnlyList<GpuDevice> Devices => _probe.Value.Devices;

    /// <summary>Why no GPU is offered (no driver, or ORT's CUDA provider cannot load); null when some are.</summary>
    public string? UnavailableReason => _probe.Value.Reason;

    private static (IReadOnlyList<GpuDevice>, string?) Probe(InferenceOptions options, ILogger logger)
    {
        if (options.Gpus == 0) return ([], "Inference:Gpus is 0");
        var listed = ListWithNvidiaSmi(out var why);
        if (listed.Count == 0) return Unavailable(logger, why ?? "nvidia-smi lists no GPU");
        if (CudaProviderFailure(listed[0].Index) is { } failure) return Unavailable(logger, failure);
        var devices = listed.Take(options.Gpus ?? int.MaxValue).ToList();
        logger.LogInformation("GPUs offered: {Gpus}", string.Join("; ", devices.Select(d => $"{d.Index}: {d.Name}, {d.MemoryBytes >> 20} MiB")));
        return (devices, null);
    }

    private static (IReadOnlyList<GpuDevice>, string?) Unavailable(ILogger logger, string reason)
    {
        logger.LogInformation("No GPU offered: {Reason}", reason);
        return ([], reason);
    }

    private static List<GpuDevice> ListWithNvidiaSmi(out string? why)
    {
        why = null;
        var start = new ProcessStartInfo("nvidia-smi", "--query-gpu=index,name,memory.total --format=csv,noheader,nounits")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000) || process.ExitCode != 0)
            {
                why = $"nvidia-smi failed: {process.StandardError.ReadToEnd().Trim()}";
                return [];
            }
            return Parse(output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = "no NVIDIA driver (nvidia-smi not found)";
            return [];
        }
    }

    /// <summary>nvidia-smi's CSV: "0, NVIDIA H100 80GB HBM3, 81559" (memory in MiB).</summary>
    internal static List<GpuDevice> Parse(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(',', StringSplitOptions.TrimEntries))
            .Where(f => f.Length >= 3 && int.TryParse(f[0], CultureInfo.InvariantCulture, out _))
            .Select(f => new GpuDevice(int.Parse(f[0], CultureInfo.InvariantCulture), f[1],
                long.TryParse(f[2], CultureInfo.InvariantCulture, out var mib) ? mib * 1024 * 1024 : 0))
            .ToList();

    // Appending the provider loads its libraries (and CUDA's): the same check a GPU model's load makes.
    private static string? CudaProviderFailure(int device)
    {
        _ = OrtRuntime.Environment;
        using var capture = OrtRuntime.Capture();
        try
        {
            using var options = new Ort.SessionOptions();
            using var cuda = new Ort.OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = device.ToString(CultureInfo.InvariantCulture) });
            options.AppendExecutionProvider_CUDA(cuda);
            return null;
        }
        catch (Ort.OnnxRuntimeException e)
        {
            return ProviderFailure.Describe(ExecutionProviders.Cuda, device, OrtErrors.From(e).Message, capture.Lines);
        }
    }
}
