using TestSupport.Servers;

namespace TestSupport;

/// <summary>Looks at the machine's live processes (through /proc), to check that a platform left none behind.</summary>
public static class ProcessTable
{
    /// <summary>Live processes belonging to any of the given process groups.</summary>
    public static IReadOnlyList<int> LiveProcessesInGroups(IEnumerable<int> processGroups) =>
        processGroups.Distinct().SelectMany(Posix.ProcessesInGroup).Distinct().ToList();

    /// <summary>
    /// Live processes whose command line, environment or working folder mentions <paramref name="text"/> (a data
    /// folder, say), with their command lines: services carry it in DataRoot, epmd only in its working folder.
    /// </summary>
    public static IReadOnlyList<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim(); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (Mentions(dir, commandLine, text) && Posix.IsAlive(pid)) found.Add($"{pid}: {commandLine}");
        }
        return found;
    }

    public static bool IsAlive(int pid) => Posix.IsAlive(pid);

    /// <summary>
    /// Live processes started by <paramref name="ancestor"/>, directly or further down (DCP's API server, its controllers
    /// and what they run), with their command lines.
    /// </summary>
    public static IReadOnlyList<string> DescendantsOf(int ancestor)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read from the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 1 && fields[0] != "Z" && int.TryParse(fields[1], out var parent)) parents[pid] = parent;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
            {
            }
        }
        var found = new List<string>();
        foreach (var pid in parents.Keys)
        {
            var seen = 0;
            for (var up = parents[pid]; up > 1 && seen++ < 64; up = parents.GetValueOrDefault(up))
            {
                if (up != ancestor) continue;
                try { found.Add($"{pid}: {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()}"); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
                break;
            }
        }
        return found;
    }

    private static bool Mentions(string dir, string commandLine, string text)
    {
        if (commandLine.Contains(text, StringComparison.Ordinal)) return true;
        try
        {
            if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(text, StringComparison.Ordinal)) return true;
            return new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget?.StartsWith(text, StringComparison.Ordinal) == true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
