using Microsoft.Extensions.Logging;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Service.Runtime;

/// <summary>
/// The process's one OrtEnv, created with a logging callback: ONNX Runtime says why a provider failed (e.g. a missing
/// libcublasLt.so.13) only in its log, never in the exception, so the log is forwarded and can be captured per thread.
/// </summary>
public static class OrtRuntime
{
    // Held for the life of the process: native code calls it for every log line.
    private static readonly Ort.DOrtLoggingFunction LogCallback = OnLog;
    private static readonly Lazy<Ort.OrtEnv> Shared = new(Create);
    [ThreadStatic] private static List<string>? _captured;

    /// <summary>Where ORT's warnings and errors go besides a capture; set once by the node at start.</summary>
    public static ILogger? Logger { get; set; }

    public static Ort.OrtEnv Environment => Shared.Value;

    /// <summary>Whether the native library loaded and the environment exists (false before first use or after a failure).</summary>
    public static bool IsLoaded => Shared.IsValueCreated;

    /// <summary>The loaded library's own version, e.g. "1.32.0".</summary>
    public static string Version => Environment.GetVersionString();

    /// <summary>Providers compiled into the library (a list, not a check that their libraries load).</summary>
    public static IReadOnlyList<string> AvailableProviders() => Environment.GetAvailableProviders();

    private static Ort.OrtEnv Create()
    {
        // The managed package may phone home on some platforms; a self-hosted platform never does.
        System.Environment.SetEnvironmentVariable("ORT_DISABLE_TELEMETRY", "1");
        var options = new Ort.EnvironmentCreationOptions
        {
            logId = "platform",
            logLevel = Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = LogCallback,
        };
        var env = Ort.OrtEnv.CreateInstanceWithOptions(ref options);
        env.DisableTelemetryEvents();
        return env;
    }

    /// <summary>Collects what ORT logs on this thread until disposed (provider loading logs on the caller's thread).</summary>
    public static LogCapture Capture() => new();

    private static void OnLog(IntPtr param, Ort.OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        _captured?.Add(message);
        var level = severity switch
        {
            Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL => LogLevel.Critical,
            Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => LogLevel.Error,
            Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => LogLevel.Warning,
            _ => LogLevel.Debug,
        };
        Logger?.Log(level, "ONNX Runtime [{Category}] {Message}", category, message);
    }

    public sealed class LogCapture : IDisposable
    {
        private readonly List<string>? _outer = _captured;
        private readonly List<string> _lines = [];

        internal LogCapture() => _captured = _lines;

        public IReadOnlyList<string> Lines => _lines;

        public void Dispose() => _captured = _outer;
    }
}
