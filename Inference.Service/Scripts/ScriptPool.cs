namespace Inference.Service.Scripts;

/// <summary>The worker processes of one scoring-script model on this node (one per instance), used round-robin.</summary>
public sealed class ScriptPool(IReadOnlyList<ScriptWorker> workers, ScriptSettings settings, ScriptLog log) : IAsyncDisposable
{
    private int _next = -1;

    /// <summary>Where platform_worker.py and the azureml / inference_schema modules it provides are, beside the node's binaries.</summary>
    public static string WorkerScript => Path.Combine(AppContext.BaseDirectory, "Scripts", "python", "platform_worker.py");

    public IReadOnlyList<ScriptWorker> Workers { get; } = workers;
    public ScriptSettings Settings { get; } = settings;
    public ScriptLog Log { get; } = log;

    public ScriptWorker Pick() => Workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)Workers.Count)];

    /// <summary>Starts <paramref name="count"/> workers, each running init(); any failure stops those started and propagates.</summary>
    public static async Task<ScriptPool> StartAsync(ScriptSettings settings, int count, ILogger logger)
    {
        var log = new ScriptLog();
        var started = new List<ScriptWorker>();
        try
        {
            for (var i = 0; i < count; i++)
                started.Add(await ScriptWorker.StartAsync(settings with { InstanceName = $"{settings.InstanceName}/{i}" }, WorkerScript, log, logger));
            return new ScriptPool(started, settings, log);
        }
        catch
        {
            foreach (var worker in started) await worker.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Workers) await worker.DisposeAsync();
    }
}
