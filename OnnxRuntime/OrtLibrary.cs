using System.Runtime.InteropServices;
using OnnxRuntime.Native;

namespace OnnxRuntime;

/// <summary>
/// Loads libonnxruntime once per process and binds the C API function table.
/// The path comes from the caller, else the ORT_LIBRARY_PATH environment variable, else the loader's search path.
/// </summary>
public static unsafe class OrtLibrary
{
    public const string PathVariable = "ORT_LIBRARY_PATH";
    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    public static bool IsLoaded => _handle != IntPtr.Zero;

    /// <summary>The runtime's own version string, e.g. "1.30.0".</summary>
    public static string Version { get; private set; } = "";

    public static string LoadedFrom { get; private set; } = "";

    /// <summary>Loads the library (idempotent). Throws <see cref="DllNotFoundException"/> with the path tried when it cannot.</summary>
    public static void EnsureLoaded(string? libraryPath = null)
    {
        if (_handle != IntPtr.Zero) return;
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return;
            var path = !string.IsNullOrWhiteSpace(libraryPath) ? libraryPath
                : Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } fromEnv ? fromEnv
                : "libonnxruntime.so.1";
            if (!NativeLibrary.TryLoad(path, out var handle))
                throw new DllNotFoundException($"Cannot load the ONNX Runtime library from '{path}' (set {PathVariable} to the full path of libonnxruntime.so.1).");

            var getApiBase = (delegate* unmanaged[Cdecl]<IntPtr*>)NativeLibrary.GetExport(handle, "OrtGetApiBase");
            // OrtApiBase is two function pointers: GetApi(uint32_t version) and GetVersionString().
            var apiBase = getApiBase();
            var getApi = (delegate* unmanaged[Cdecl]<uint, IntPtr>)apiBase[0];
            var getVersion = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
            var table = getApi(OrtApi.ApiVersion);
            var version = Marshal.PtrToStringUTF8((IntPtr)getVersion()) ?? "";
            if (table == IntPtr.Zero)
                throw new NotSupportedException($"ONNX Runtime {version} at '{path}' does not offer C API version {OrtApi.ApiVersion} (1.30 or later is needed).");

            OrtApi.Bind(table);
            Version = version;
            LoadedFrom = path;
            _handle = handle;
        }
    }

    /// <summary>Providers compiled into the library (a list, not a check that their libraries load).</summary>
    public static IReadOnlyList<string> AvailableProviders()
    {
        EnsureLoaded();
        IntPtr list;
        int count;
        OrtApi.Check(OrtApi.GetAvailableProviders(&list, &count));
        try
        {
            var names = new string[count];
            for (var i = 0; i < count; i++)
                names[i] = Marshal.PtrToStringUTF8(((IntPtr*)list)[i]) ?? "";
            return names;
        }
        finally
        {
            OrtApi.Check(OrtApi.ReleaseAvailableProviders(list, count));
        }
    }
}
