using System.Collections.Concurrent;
using Inference.Service.Diagnostics;
using Inference.Service.Runtime;

namespace Inference.Service.Models;

/// <summary>The models loaded on this node, by node-local name. Loading one model never disturbs the others.</summary>
public sealed class ModelRepository(InferenceMetrics metrics, ILogger<ModelRepository> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LoadedModel> _models = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    // Where each name was last loaded from: the node's model repository, so KServe's repository extension can load a
    // model again by name after an unload (Triton's repository is a folder; ours is what this node was told to load).
    private readonly ConcurrentDictionary<string, ModelSource> _sources = new(StringComparer.Ordinal);

    private sealed record ModelSource(string Location, string Version, ModelSettings Settings);

    /// <summary>Every model name this node can load by name, loaded now or not.</summary>
    public IReadOnlyCollection<string> Known => _sources.Keys.Order(StringComparer.Ordinal).ToList();

    public IReadOnlyCollection<LoadedModel> Models => _models.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

    public LoadedModel? Find(string name) => _models.GetValueOrDefault(name);

    /// <summary>The ready model named <paramref name="name"/>, or the exception the protocols turn into 404 / 503.</summary>
    public LoadedModel GetReady(string name)
    {
        if (!_models.TryGetValue(name, out var model)) throw new ModelNotFoundException(name);
        if (!model.IsReady) throw new ModelNotReadyException(name, model.Error);
        return model;
    }

    /// <summary>
    /// Loads (or replaces) a model. On failure the model is recorded as failed with ORT's message and the exception propagates;
    /// a model already serving under the name keeps serving.
    /// </summary>
    public async Task<LoadedModel> LoadAsync(string name, string location, string version, ModelSettings settings, CancellationToken cancellation)
    {
        var file = ResolveModelFile(location);
        _sources[name] = new ModelSource(location, version, settings);
        await _loadGate.WaitAsync(cancellation);
        try
        {
            ModelSession session;
            try
            {
                session = await Task.Run(() => ModelSession.FromFile(file, ToSessionSettings(settings)), cancellation);
            }
            catch (OrtException e)
            {
                logger.LogWarning("Model {Model} failed to load from {Location}: {Error}", name, file, e.Message);
                if (!_models.TryGetValue(name, out var existing) || !existing.IsReady)
                    _models[name] = new LoadedModel { Name = name, Version = version, Location = location, Settings = settings, State = ModelState.Failed, Error = e.Message };
                throw;
            }

            if (session.ProviderFallbackReason is { } reason)
                logger.LogWarning("Model {Model} asked for a GPU; running on CPU instead. {Reason}", name, reason);

            var model = new LoadedModel
            {
                Name = name,
                Version = version,
                Location = location,
                Settings = settings,
                State = ModelState.Ready,
                Session = session,
                Scheduler = new Scheduling.ModelScheduler(name, session, settings, metrics),
                Error = session.ProviderFallbackReason,
            };
            _models.TryGetValue(name, out var previous);
            _models[name] = model;
            logger.LogInformation("Model {Model} ({Version}) ready on {Provider}: {Inputs} input(s), {Outputs} output(s), batching {Batching}",
                name, version, session.Provider, session.Inputs.Count, session.Outputs.Count, model.Scheduler.Batching ? "on" : "off");
            if (previous is not null) await RetireAsync(previous);
            return model;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    /// <summary>
    /// Loads (or replaces) a scoring-script model: its workers start and run init(); a failing init() records the
    /// model as failed with Python's last lines and throws <see cref="Scripts.ScriptInitException"/>.
    /// </summary>
    public async Task<LoadedModel> LoadScriptAsync(string name, string version, ModelSettings settings, Scripts.ScriptSettings script, int workers,
        CancellationToken cancellation)
    {
        await _loadGate.WaitAsync(cancellation);
        try
        {
            Scripts.ScriptPool pool;
            try
            {
                pool = await Scripts.ScriptPool.StartAsync(script, Math.Max(1, workers), logger);
            }
            catch (Scripts.ScriptInitException e)
            {
                logger.LogWarning("Scoring script of {Model} failed to start: {Error}", name, e.Message);
                if (!_models.TryGetValue(name, out var existing) || !existing.IsReady)
                    _models[name] = new LoadedModel { Name = name, Version = version, Location = script.CodeDirectory, Settings = settings, State = ModelState.Failed, Error = e.Message };
                throw;
            }
            var model = new LoadedModel
            {
                Name = name, Version = version, Location = script.CodeDirectory, Settings = settings, State = ModelState.Ready, Scripts = pool,
            };
            _models.TryGetValue(name, out var previous);
            _models[name] = model;
            logger.LogInformation("Scoring script {Script} of {Model} ({Version}) ready in {Workers} worker(s)", script.EntryScript, name, version, pool.Workers.Count);
            if (previous is not null) await RetireAsync(previous);
            return model;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    /// <summary>Loads (or reloads) <paramref name="name"/> from where it was last loaded, with the same version and settings.</summary>
    public Task<LoadedModel> LoadKnownAsync(string name, CancellationToken cancellation) => _sources.TryGetValue(name, out var source)
        ? LoadAsync(name, source.Location, source.Version, source.Settings, cancellation)
        : throw new ModelNotFoundException(name, $"Model '{name}' is not in this node's repository: it was never loaded here (node.v1 LoadModel or Inference:Preload).");

    public async Task<bool> UnloadAsync(string name)
    {
        if (!_models.TryRemove(name, out var model)) return false;
        await RetireAsync(model);
        logger.LogInformation("Model {Model} unloaded", name);
        return true;
    }

    private static async Task RetireAsync(LoadedModel model)
    {
        model.State = ModelState.Unloading;
        if (model.Scheduler is not null) await model.Scheduler.DisposeAsync();
        model.Session?.Dispose();
        if (model.Scripts is not null) await model.Scripts.DisposeAsync();
    }

    /// <summary>A path to an .onnx file, or a folder with model.onnx or exactly one *.onnx.</summary>
    public static string ResolveModelFile(string location)
    {
        if (File.Exists(location)) return location;
        if (Directory.Exists(location))
        {
            var preferred = Path.Combine(location, "model.onnx");
            if (File.Exists(preferred)) return preferred;
            var candidates = Directory.GetFiles(location, "*.onnx", SearchOption.AllDirectories);
            if (candidates.Length == 1) return candidates[0];
            throw new FileNotFoundException(candidates.Length == 0
                ? $"No .onnx file in folder '{location}'."
                : $"Folder '{location}' holds {candidates.Length} .onnx files and no model.onnx; say which one.");
        }
        throw new FileNotFoundException($"No model file or folder at '{location}'.");
    }

    private static SessionSettings ToSessionSettings(ModelSettings settings) => new()
    {
        IntraOpThreads = settings.IntraOpThreads,
        InterOpThreads = settings.InterOpThreads,
        ExecutionMode = settings.InterOpThreads > 1 ? ExecutionMode.Parallel : ExecutionMode.Sequential,
        AllowSpinning = settings.AllowSpinning,
        CudaDeviceId = settings.Gpus > 0 ? settings.GpuDeviceId : null,
        UseTensorRt = settings.ExecutionProvider == "tensorrt",
        AllowCpuFallback = settings.AllowCpuFallback,
        Cuda = new CudaSettings
        {
            ArenaExtendStrategy = settings.CudaArenaExtendStrategy,
            GpuMemLimitBytes = settings.CudaGpuMemLimitBytes,
            CopyInDefaultStream = settings.CudaCopyInSeparateStream ? false : null,
        },
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _models.Keys.ToList()) await UnloadAsync(name);
    }
}
