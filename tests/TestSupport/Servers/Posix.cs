using System.Runtime.InteropServices;

namespace TestSupport.Servers;

/// <summary>The few POSIX calls .NET does not expose: signals to process groups, the effective user, group membership.</summary>
internal static partial class Posix
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint SysGetEuid();

    public static bool IsRoot => SysGetEuid() == 0;

    /// <summary>Sends a signal to every process of a group (children are started as group leaders through setsid).</summary>
    public static bool SignalGroup(int processGroupId, int signal) => processGroupId > 1 && SysKill(-processGroupId, signal) == 0;

    public static bool Signal(int pid, int signal) => pid > 1 && SysKill(pid, signal) == 0;

    /// <summary>Ids of the live processes whose process group is <paramref name="processGroupId"/> (read from /proc).</summary>
    public static IReadOnlyList<int> ProcessesInGroup(int processGroupId)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (TryReadStat(pid, out var pgid, out var state) && pgid == processGroupId && state != 'Z') found.Add(pid);
        }
        return found;
    }

    /// <summary>chmod; the guard keeps the platform analyzer content (we run on Linux only).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    public static bool IsAlive(int pid) => TryReadStat(pid, out _, out var state) && state != 'Z';

    /// <summary>When the process started (clock ticks since boot): with the pid, it names a process even after pid reuse.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], out var ticks) ? ticks : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool TryReadStat(int pid, out int processGroupId, out char state)
    {
        processGroupId = 0;
        state = '?';
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse from the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0) return false;
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 3 || !int.TryParse(fields[2], out processGroupId)) return false;
        state = fields[0].Length > 0 ? fields[0][0] : '?';
        return true;
    }
}
