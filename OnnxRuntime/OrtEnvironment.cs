using System.Text;
using OnnxRuntime.Native;

namespace OnnxRuntime;

/// <summary>The process's one OrtEnv (ONNX Runtime hands back the same one on a second CreateEnv anyway) and shared CPU memory info.</summary>
public sealed unsafe class OrtEnvironment
{
    private static readonly Lazy<OrtEnvironment> Shared = new(() => new OrtEnvironment());

    internal EnvHandle Env { get; }
    internal MemoryInfoHandle CpuMemory { get; }
    internal IntPtr DefaultAllocator { get; }

    private OrtEnvironment()
    {
        OrtLibrary.EnsureLoaded();
        IntPtr env;
        var logId = Encoding.UTF8.GetBytes("platform\0");
        fixed (byte* id = logId)
            OrtApi.Check(OrtApi.CreateEnv(3 /* error */, id, &env));
        Env = new EnvHandle(env);

        IntPtr memory;
        OrtApi.Check(OrtApi.CreateCpuMemoryInfo(1 /* arena */, 0 /* default */, &memory));
        CpuMemory = new MemoryInfoHandle(memory);

        IntPtr allocator;
        // The default allocator is a singleton owned by ONNX Runtime: never released.
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        DefaultAllocator = allocator;
    }

    /// <summary>Creates the environment on first use, loading the library from ORT_LIBRARY_PATH unless <see cref="OrtLibrary.EnsureLoaded"/> ran before.</summary>
    public static OrtEnvironment Instance => Shared.Value;
}
