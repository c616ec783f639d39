using System.Diagnostics;
using System.Text;

namespace TestSupport.Servers;

/// <summary>Runs a short command (initdb, pg_ctl, psql, rabbitmqctl, chown) to completion and returns its output.</summary>
internal static class Command
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(ProcessSpec spec, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "/",
        };
        if (spec.RunAsUser is { } user && Posix.IsRoot)
        {
            info.FileName = "/usr/sbin/runuser";
            foreach (var a in new[] { "-u", user, "--", "/usr/bin/env" }) info.ArgumentList.Add(a);
            foreach (var (key, value) in spec.Environment) info.ArgumentList.Add($"{key}={value}");
            info.ArgumentList.Add(spec.FileName);
        }
        else
        {
            info.FileName = spec.FileName;
            foreach (var (key, value) in spec.Environment) info.Environment[key] = value;
        }
        foreach (var a in spec.Arguments) info.ArgumentList.Add(a);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            lock (output) return new Result(-1, $"{Path.GetFileName(spec.FileName)} timed out after {timeout.TotalSeconds:0}s{Environment.NewLine}{output}");
        }
        lock (output) return new Result(process.ExitCode, output.ToString());
    }

    /// <summary>Gives a folder tree to a system user (chown -R), when we are root and can.</summary>
    public static async Task GiveToUserAsync(string path, string user)
    {
        if (!Posix.IsRoot) return;
        var result = await RunAsync(new ProcessSpec("/bin/chown", ["-R", $"{user}:{user}", path]), TimeSpan.FromSeconds(30));
        if (!result.Succeeded) throw new InvalidOperationException($"chown -R {user} {path} failed: {result.Output.Trim()}");
    }
}
