namespace Inference.Service.Runtime;

public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    Layout = 3,
    All = 99,
}

public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}

/// <summary>How a session is created. Zero thread counts leave ONNX Runtime's defaults.</summary>
public sealed record SessionSettings
{
    public int IntraOpThreads { get; init; }
    public int InterOpThreads { get; init; }
    /// <summary>Spinning threads answer sooner but burn CPU while idle; off by default on a shared machine.</summary>
    public bool AllowSpinning { get; init; }
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;
    /// <summary>Ask for a GPU provider on this device; null = CPU only.</summary>
    public int? CudaDeviceId { get; init; }
    public CudaSettings Cuda { get; init; } = new();
    /// <summary>Put TensorRT in front of CUDA (nodes TensorRT cannot take run on CUDA).</summary>
    public bool UseTensorRt { get; init; }
    /// <summary>When the GPU provider cannot load: serve on CPU and say why (true) or fail the load with the reason (false).</summary>
    public bool AllowCpuFallback { get; init; }
}

/// <summary>The CUDA provider's memory arena and stream options (ONNX Runtime's keys; defaults are ORT's).</summary>
public sealed record CudaSettings
{
    /// <summary>Arena growth: "kNextPowerOfTwo" (ORT default) or "kSameAsRequested" (tighter on memory).</summary>
    public string? ArenaExtendStrategy { get; init; }
    /// <summary>Bytes the arena may take on the device; 0 = no limit.</summary>
    public long GpuMemLimitBytes { get; init; }
    /// <summary>Copies on the default stream (ORT default true); false lets copies overlap compute on their own stream.</summary>
    public bool? CopyInDefaultStream { get; init; }
    /// <summary>cuDNN convolution algorithm search: "EXHAUSTIVE" (default), "HEURISTIC" or "DEFAULT".</summary>
    public string? ConvAlgoSearch { get; init; }

    public Dictionary<string, string> ToProviderOptions(int deviceId)
    {
        var options = new Dictionary<string, string> { ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(ArenaExtendStrategy)) options["arena_extend_strategy"] = ArenaExtendStrategy;
        if (GpuMemLimitBytes > 0) options["gpu_mem_limit"] = GpuMemLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (CopyInDefaultStream is { } copy) options["do_copy_in_default_stream"] = copy ? "1" : "0";
        if (!string.IsNullOrEmpty(ConvAlgoSearch)) options["cudnn_conv_algo_search"] = ConvAlgoSearch;
        return options;
    }
}

public static class ExecutionProviders
{
    public const string Cpu = "CPU";
    public const string Cuda = "CUDA";
    public const string TensorRt = "TensorRT";
}
