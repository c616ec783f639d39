using System.Diagnostics;

namespace Registry.Tests.Support;

/// <summary>Real ONNX models made once per test run by Support/make_models.py with Debian's python3-onnx.</summary>
public static class TestModels
{
    private static readonly Lazy<string> Folder = new(Generate);

    /// <summary>y[batch,3] = x[batch,4] · W + B; W is also a graph input with an initializer.</summary>
    public static string LinearPath => Path.Combine(Folder.Value, "linear.onnx");

    /// <summary>scaled[batch,?] = float(ids[batch,?]) · scale[1].</summary>
    public static string CastPath => Path.Combine(Folder.Value, "cast.onnx");

    public static byte[] Linear => File.ReadAllBytes(LinearPath);

    /// <summary>The linear model saved with its initializers in <c>weights.bin</c> next to it (ONNX external data).</summary>
    public static string ExternalFolder => Path.Combine(Folder.Value, "external");

    private static string Generate()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"registry-tests-models-{Environment.ProcessId}");
        var script = Path.Combine(AppContext.BaseDirectory, "Support", "make_models.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
            throw new InvalidOperationException($"make_models.py failed ({process.ExitCode}): {stdout}{stderr.Result}");
        return folder;
    }
}
