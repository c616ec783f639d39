namespace TestSupport.Servers;

/// <summary>One line of a resource's console output.</summary>
internal readonly record struct LogLine(long Sequence, DateTimeOffset Time, bool IsError, string Text);

/// <summary>
/// A resource's console output: the last lines in memory (for the dashboard and error messages), every line in a
/// log file, and optionally echoed on our own console with the resource's name in front.
/// </summary>
internal sealed class ProcessLog : IDisposable
{
    private readonly object _gate = new();
    private readonly LogLine[] _ring;
    private readonly StreamWriter? _file;
    private readonly string? _consolePrefix;
    private long _next;

    public ProcessLog(string name, string? filePath, bool echoToConsole, int capacity = 2000)
    {
        Name = name;
        FilePath = filePath;
        _ring = new LogLine[capacity];
        _consolePrefix = echoToConsole ? $"[{name}] " : null;
        if (filePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
            _file = new StreamWriter(new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
    }

    public string Name { get; }

    public string? FilePath { get; }

    public void Append(string text, bool isError = false)
    {
        var line = new LogLine(0, DateTimeOffset.UtcNow, isError, text);
        lock (_gate)
        {
            line = line with { Sequence = _next };
            _ring[_next % _ring.Length] = line;
            _next++;
            _file?.WriteLine($"{line.Time:O} {(isError ? "ERR" : "OUT")} {text}");
        }
        if (_consolePrefix is not null) Console.Out.WriteLine(_consolePrefix + text);
    }

    /// <summary>Lines with a sequence number of at least <paramref name="fromSequence"/> that are still in memory, oldest first.</summary>
    public IReadOnlyList<LogLine> Since(long fromSequence, int max = 1000)
    {
        lock (_gate)
        {
            var first = Math.Max(fromSequence, Math.Max(0, _next - _ring.Length));
            var count = (int)Math.Min(max, Math.Max(0, _next - first));
            var lines = new LogLine[count];
            for (var i = 0; i < count; i++) lines[i] = _ring[(first + i) % _ring.Length];
            return lines;
        }
    }

    public IReadOnlyList<LogLine> Tail(int count)
    {
        lock (_gate) return Since(Math.Max(0, _next - count), count);
    }

    public void Dispose()
    {
        lock (_gate) _file?.Dispose();
    }
}
