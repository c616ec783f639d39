namespace OnnxRuntime;

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
    /// <summary>Ask for the CUDA execution provider on this device; null = CPU only.</summary>
    public int? CudaDeviceId { get; init; }
}

public static class ExecutionProviders
{
    public const string Cpu = "CPU";
    public const string Cuda = "CUDA";
}
