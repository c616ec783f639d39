using System.Diagnostics;

namespace AppHost;

/// <summary>
/// Once the platform is up, shows it working end to end as a user would: samples/demo.sh registers the sample model,
/// creates an endpoint, deploys it, scores it once through the gateway and prints the curl command that does the same.
/// A failing demo is reported, never a reason to stop the platform.
/// </summary>
internal static class DemoRunner
{
    public static async Task RunAsync(AppHostOptions options, Uri gateway, string adminKey)
    {
        var script = Path.Combine(options.RepositoryRoot, "samples", "demo.sh");
        if (!File.Exists(script)) return;
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, gateway.ToString().TrimEnd('/'), adminKey }) info.ArgumentList.Add(a);
        info.Environment["DEMO_MODEL_FILE"] = options.DataPath("demo", "demo-classifier.onnx");
        try
        {
            using var demo = Process.Start(info)!;
            demo.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Out.WriteLine($"[demo] {e.Data}"); };
            demo.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[demo] {e.Data}"); };
            demo.BeginOutputReadLine();
            demo.BeginErrorReadLine();
            await demo.WaitForExitAsync();
            if (demo.ExitCode != 0) Console.Error.WriteLine($"[demo] failed (exit {demo.ExitCode}); the platform keeps running");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"[demo] could not run {script}: {ex.Message}");
        }
    }
}
