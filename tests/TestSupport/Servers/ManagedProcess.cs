using System.Diagnostics;

namespace TestSupport.Servers;

/// <summary>What to run: a program, its arguments and environment, and optionally the system user to run it as.</summary>
internal sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    /// <summary>System user to run as (postgres, rabbitmq). Honoured only when we are root; otherwise we run as ourselves.</summary>
    public string? RunAsUser { get; init; }
}

/// <summary>
/// A child process started as the leader of its own process group (through setsid), so that stopping it can reach
/// every process it forked (PostgreSQL's backends, Erlang's helpers) and leave none behind.
/// Its stdout and stderr go line by line into a <see cref="ProcessLog"/>.
/// </summary>
internal sealed class ManagedProcess
{
    private readonly Process _process;

    private ManagedProcess(Process process, ProcessLog log)
    {
        _process = process;
        Log = log;
        Pid = process.Id;
        Exited = WaitForExitAsync();
    }

    /// <summary>Process id of the group leader, which is also the process group id.</summary>
    public int Pid { get; }

    public ProcessLog Log { get; }

    /// <summary>Completes with the exit code once the leader has exited and its output is drained.</summary>
    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    /// <summary>Raised with the new process group id as soon as a process starts (the AppHost writes it down).</summary>
    public static event Action<int>? Started;

    public static ManagedProcess Start(ProcessSpec spec, ProcessLog log)
    {
        var info = new ProcessStartInfo("/usr/bin/setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        if (spec.RunAsUser is { } user && Posix.IsRoot)
        {
            // runuser resets HOME, USER and friends, so the environment travels as env's arguments instead.
            foreach (var a in new[] { "/usr/sbin/runuser", "-u", user, "--", "/usr/bin/env" }) info.ArgumentList.Add(a);
            foreach (var (key, value) in spec.Environment) info.ArgumentList.Add($"{key}={value}");
        }
        else
        {
            foreach (var (key, value) in spec.Environment) info.Environment[key] = value;
        }
        info.ArgumentList.Add(spec.FileName);
        foreach (var a in spec.Arguments) info.ArgumentList.Add(a);

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Append(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Append(e.Data, isError: true); };
        process.Start();
        Started?.Invoke(process.Id);
        // Nothing reads our stdin; closing it keeps children from waiting on the terminal.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, log);
    }

    /// <summary>Every live process of this process group (the leader and whatever it forked).</summary>
    public IReadOnlyList<int> LiveProcesses() => Posix.ProcessesInGroup(Pid);

    public void SignalGroup(int signal) => Posix.SignalGroup(Pid, signal);

    /// <summary>
    /// Asks the group to stop with SIGTERM, waits up to <paramref name="grace"/>, then kills whatever is left,
    /// and returns only when no process of the group remains.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (LiveProcesses().Count > 0) SignalGroup(Posix.SIGTERM);
        await WaitForGroupExitAsync(grace);
        if (LiveProcesses().Count > 0)
        {
            Log.Append($"still running {grace.TotalSeconds:0}s after SIGTERM: sending SIGKILL", isError: true);
            SignalGroup(Posix.SIGKILL);
            await WaitForGroupExitAsync(TimeSpan.FromSeconds(10));
        }
        await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Waits until the leader has exited and no process of its group remains, or the time is up.</summary>
    public async Task<bool> WaitForGroupExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (HasExited && LiveProcesses().Count == 0) return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.WhenAny(Exited, Task.Delay(100));
            if (HasExited) await Task.Delay(50);
        }
    }

    private async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync();
        var code = _process.ExitCode;
        Log.Append($"process {Pid} exited with code {code}", isError: code != 0);
        _process.Dispose();
        return code;
    }
}
