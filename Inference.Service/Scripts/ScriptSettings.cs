namespace Inference.Service.Scripts;

/// <summary>How to run a deployment's entry script: which interpreter (the environment's venv), where the code and the model are.</summary>
public sealed record ScriptSettings
{
    /// <summary>The environment's interpreter (…/venv/bin/python).</summary>
    public required string Python { get; init; }
    /// <summary>The code folder; the worker's working directory.</summary>
    public required string CodeDirectory { get; init; }
    /// <summary>Path of the entry script, relative to <see cref="CodeDirectory"/>.</summary>
    public required string EntryScript { get; init; }
    /// <summary>What AZUREML_MODEL_DIR points at; empty when the deployment has no model files.</summary>
    public string ModelDirectory { get; init; } = "";
    /// <summary>Requests in flight at once inside one worker (its run() thread pool).</summary>
    public int Concurrency { get; init; } = 4;
    /// <summary>Threads numeric libraries may use (the deployment's cores).</summary>
    public int Threads { get; init; } = 1;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Resident memory one worker may hold (the deployment's memoryGb per instance); 0 = no limit.</summary>
    public long MemoryLimitBytes { get; init; }
    /// <summary>The name its log lines carry (node and model name).</summary>
    public required string InstanceName { get; init; }
}
