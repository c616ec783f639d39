using OnnxRuntime;

namespace Inference.Tests.Support;

/// <summary>Finds the real ONNX Runtime library: ORT_LIBRARY_PATH (test.sh sets it), else the copy setup.sh put under .tools/.</summary>
public static class OrtTestEnvironment
{
    private static readonly Lazy<string> Path = new(Locate);

    public static string LibraryPath => Path.Value;

    public static void EnsureLoaded() => OrtLibrary.EnsureLoaded(LibraryPath);

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(OrtLibrary.PathVariable) is { Length: > 0 } fromEnv && File.Exists(fromEnv)) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, ".tools", "onnxruntime", "1.30.0", "libonnxruntime.so.1");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("libonnxruntime.so.1 not found: run scripts/setup.sh or set ORT_LIBRARY_PATH.");
    }
}
