namespace Inference.Service.Scripts;

/// <summary>The last lines a model's workers printed (stdout and stderr), each with the instance that printed it.</summary>
public sealed class ScriptLog(int capacity = 2000)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string instance, string stream, string line)
    {
        var entry = $"{DateTimeOffset.UtcNow:O} {instance} [{stream}] {line}";
        lock (_gate)
        {
            _lines.Enqueue(entry);
            while (_lines.Count > capacity) _lines.Dequeue();
        }
    }

    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate) return _lines.Skip(Math.Max(0, _lines.Count - count)).ToList();
    }
}
