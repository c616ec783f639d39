using System.Diagnostics;
using AppHost.Hosting;

namespace AppHost;

/// <summary>
/// Once the platform is up, shows it working end to end as a user would: samples/demo.sh registers the sample model,
/// creates an endpoint, deploys it, scores it once through the gateway and prints the curl command that does the same.
/// It runs beside the platform: a failing demo is reported, never a reason to stop the platform.
/// </summary>
internal static class DemoRunner
{
    public static Action<ApplicationModel> For(AppHostOptions options) => model =>
    {
        if (options.NoDemo) return;
        var gateway = model.Instances.FirstOrDefault(i => i.Resource.Name == "gateway")?.HttpAddress;
        var script = Path.Combine(options.RepositoryRoot, "samples", "demo.sh");
        var keyFile = Path.Combine(options.DataRoot, "admin-key");
        if (gateway is null || !File.Exists(script) || !File.Exists(keyFile)) return;
        _ = Task.Run(() => RunAsync(script, gateway, File.ReadAllText(keyFile).Trim(), options.DataRoot));
    };

    private static async Task RunAsync(string script, Uri gateway, string adminKey, string dataRoot)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, gateway.ToString().TrimEnd('/'), adminKey }) info.ArgumentList.Add(a);
        info.Environment["DEMO_MODEL_FILE"] = Path.Combine(dataRoot, "demo", "demo-classifier.onnx");
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
