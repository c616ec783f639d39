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
