namespace Inference.Service.Models;

/// <summary>How a model is served on this node; mirrors node.v1 ModelSettings with the node's defaults filled in.</summary>
public sealed record ModelSettings
{
    public int IntraOpThreads { get; init; }
    public int InterOpThreads { get; init; }
    public int MaxBatchSize { get; init; }
    public long MaxQueueDelayMicroseconds { get; init; }
    public int MaxQueueSize { get; init; } = 1024;
    public int Gpus { get; init; }
    public int GpuDeviceId { get; init; }
    public bool AllowSpinning { get; init; }
    /// <summary>With <see cref="Gpus"/> &gt; 0: serve on CPU when the GPU provider cannot load, instead of failing the load.</summary>
    public bool AllowCpuFallback { get; init; }
    /// <summary>With <see cref="Gpus"/> &gt; 0: "cuda" (default) or "tensorrt".</summary>
    public string ExecutionProvider { get; init; } = "";
    public string CudaArenaExtendStrategy { get; init; } = "";
    public long CudaGpuMemLimitBytes { get; init; }
    public bool CudaCopyInSeparateStream { get; init; }
}

public enum ModelState
{
    Loading,
    Ready,
    Failed,
    Unloading,
}
