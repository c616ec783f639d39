using AppHost.Resources;

namespace AppHost.Orchestration;

/// <summary>
/// Keeps one AppHost per data folder (an exclusive lock on <c>{data}/apphost.lock</c>) and writes down (beside its pid in <c>apphost.pid</c>) every process
/// group it starts (<c>{data}/apphost.processes</c>: group id and start time). An AppHost killed with SIGKILL cannot
/// stop its children; the next one on the same folder finds them here and stops them before it starts anything,
/// so they do not hold the platform's ports. The start time tells a survivor from an unrelated process that reused its id.
/// </summary>
internal sealed class ProcessLedger : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _path;
    private readonly object _gate = new();

    private ProcessLedger(FileStream lockFile, string path)
    {
        _lock = lockFile;
        _path = path;
    }

    public static ProcessLedger Open(string dataRoot)
    {
        Directory.CreateDirectory(dataRoot);
        var lockPath = Path.Combine(dataRoot, "apphost.lock");
        FileStream lockFile;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Linux: a second AppHost on this folder fails here.
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var pidPath = Path.Combine(dataRoot, "apphost.pid");
            var owner = File.Exists(pidPath) ? File.ReadAllText(pidPath).Trim() : "?";
            throw new InvalidOperationException($"Another AppHost (pid {owner}) is running with the data folder {dataRoot}; stop it first or use --data.");
        }
        // Beside the lock, not in it: a locked file cannot be read by the AppHost that is refused.
        File.WriteAllText(Path.Combine(dataRoot, "apphost.pid"), Environment.ProcessId.ToString());
        return new ProcessLedger(lockFile, Path.Combine(dataRoot, "apphost.processes"));
    }

    /// <summary>Kills what an earlier AppHost on this folder left running; returns how many process groups that was.</summary>
    public int KillLeftovers()
    {
        if (!File.Exists(_path)) return 0;
        var killed = new List<int>();
        foreach (var line in File.ReadAllLines(_path))
        {
            var parts = line.Split(' ');
            if (parts.Length != 2 || !int.TryParse(parts[0], out var group) || !long.TryParse(parts[1], out var started)) continue;
            if (Posix.StartTime(group) != started) continue; // gone, or the id now belongs to someone else
            Posix.SignalGroup(group, Posix.SIGKILL);
            killed.Add(group);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && killed.Any(g => Posix.ProcessesInGroup(g).Count > 0)) Thread.Sleep(100);
        File.Delete(_path);
        return killed.Count;
    }

    public void Record(int processGroup)
    {
        if (Posix.StartTime(processGroup) is not { } started) return;
        lock (_gate) File.AppendAllText(_path, $"{processGroup} {started}\n");
    }

    /// <summary>After a clean stop nothing is left to find.</summary>
    public void Clear()
    {
        lock (_gate) File.Delete(_path);
    }

    public void Dispose() => _lock.Dispose();
}
