using Contracts.Node.V1;
using Inference.Service.Protocol;
using Microsoft.Extensions.Options;
using Inference.Service.Runtime;

namespace Inference.Service.Models;

/// <summary>What the node.v1 control service does, in terms of its messages; shared by the gRPC service and the REST admin routes.</summary>
public sealed class NodeControl(ModelRepository models, GpuInventory gpus, IOptions<InferenceOptions> options)
{
    private static readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public async Task<ModelStatus> LoadAsync(LoadModelRequest request, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(request.ModelName)) throw InvalidInferenceRequestException.For("model_name", "A model name is required.");
        if (request.Script is { } script) return Describe(await LoadScriptAsync(request, script, cancellation));
        if (string.IsNullOrWhiteSpace(request.Location)) throw InvalidInferenceRequestException.For("location", "A model location (file or folder) is required.");
        var settings = ToSettings(request.Settings ?? new Contracts.Node.V1.ModelSettings());
        var model = await models.LoadAsync(request.ModelName, request.Location, request.ModelVersion, settings, cancellation);
        return Describe(model);
    }

    private Task<LoadedModel> LoadScriptAsync(LoadModelRequest request, Contracts.Node.V1.ScriptSettings script, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(script.Python)) errors["script.python"] = ["The environment's interpreter is required."];
        else if (!File.Exists(script.Python)) errors["script.python"] = [$"No interpreter at '{script.Python}'."];
        if (string.IsNullOrWhiteSpace(script.CodeDir) || !Directory.Exists(script.CodeDir)) errors["script.code_dir"] = [$"No code folder at '{script.CodeDir}'."];
        else if (string.IsNullOrWhiteSpace(script.EntryScript) || Path.IsPathRooted(script.EntryScript) || script.EntryScript.Split('/', '\\').Contains("..")
            || !File.Exists(Path.Combine(script.CodeDir, script.EntryScript)))
            errors["script.entry_script"] = [$"No entry script '{script.EntryScript}' inside the code folder."];
        if (script.ModelDir.Length > 0 && !Directory.Exists(script.ModelDir)) errors["script.model_dir"] = [$"No model folder at '{script.ModelDir}'."];
        if (script.Workers < 0 || script.Concurrency < 0 || script.Threads < 0 || script.RequestTimeoutMs < 0 || script.MemoryLimitBytes < 0)
            errors["script"] = ["workers, concurrency, threads, request_timeout_ms and memory_limit_bytes must be 0 (default) or more."];
        if (errors.Count > 0) throw new InvalidInferenceRequestException(errors);
        var settings = ToSettings(request.Settings ?? new Contracts.Node.V1.ModelSettings());
        var scriptSettings = new Scripts.ScriptSettings
        {
            Python = script.Python,
            CodeDirectory = Path.GetFullPath(script.CodeDir),
            EntryScript = script.EntryScript,
            ModelDirectory = script.ModelDir.Length > 0 ? Path.GetFullPath(script.ModelDir) : "",
            Concurrency = script.Concurrency > 0 ? script.Concurrency : 4,
            Threads = script.Threads > 0 ? script.Threads : 1,
            RequestTimeout = script.RequestTimeoutMs > 0 ? TimeSpan.FromMilliseconds(script.RequestTimeoutMs) : TimeSpan.FromSeconds(60),
            InstanceName = $"{options.Value.NodeName}/{request.ModelName}",
            MemoryLimitBytes = script.MemoryLimitBytes,
        };
        return models.LoadScriptAsync(request.ModelName, request.ModelVersion, settings, scriptSettings, script.Workers, cancellation);
    }

    public Models.ModelSettings ToSettings(Contracts.Node.V1.ModelSettings s)
    {
        var errors = new Dictionary<string, string[]>();
        if (s.IntraOpThreads < 0) errors["settings.intra_op_threads"] = ["Must be 0 (default) or more."];
        if (s.InterOpThreads < 0) errors["settings.inter_op_threads"] = ["Must be 0 (default) or more."];
        if (s.MaxBatchSize < 0) errors["settings.max_batch_size"] = ["Must be 0 (no batching) or more."];
        if (s.MaxQueueDelayUs < 0) errors["settings.max_queue_delay_us"] = ["Must be 0 or more."];
        if (s.MaxQueueSize < 0) errors["settings.max_queue_size"] = ["Must be 0 (default) or more."];
        if (s.Gpus < 0) errors["settings.gpus"] = ["Must be 0 or more."];
        if (s.GpuDeviceId < 0) errors["settings.gpu_device_id"] = ["Must be 0 or more."];
        else if (s.Gpus > 0 && gpus.Devices.Count > 0 && s.GpuDeviceId >= gpus.Devices.Count)
            errors["settings.gpu_device_id"] = [$"This node offers {gpus.Devices.Count} GPU(s): 0 to {gpus.Devices.Count - 1}."];
        if (s.ExecutionProvider is not ("" or "cuda" or "tensorrt")) errors["settings.execution_provider"] = ["Must be \"cuda\" or \"tensorrt\" (or empty for cuda)."];
        if (s.CudaArenaExtendStrategy is not ("" or "kNextPowerOfTwo" or "kSameAsRequested"))
            errors["settings.cuda_arena_extend_strategy"] = ["Must be \"kNextPowerOfTwo\" or \"kSameAsRequested\" (or empty for ORT's default)."];
        if (s.CudaGpuMemLimitBytes < 0) errors["settings.cuda_gpu_mem_limit_bytes"] = ["Must be 0 (no limit) or more."];
        if (errors.Count > 0) throw new InvalidInferenceRequestException(errors);
        return new Models.ModelSettings
        {
            IntraOpThreads = s.IntraOpThreads,
            InterOpThreads = s.InterOpThreads,
            MaxBatchSize = s.MaxBatchSize,
            MaxQueueDelayMicroseconds = s.MaxQueueDelayUs,
            MaxQueueSize = s.MaxQueueSize > 0 ? s.MaxQueueSize : options.Value.DefaultMaxQueueSize,
            Gpus = s.Gpus,
            // The inventory's position maps to the driver's device index (they differ when Inference:Gpus holds some back).
            GpuDeviceId = gpus.Devices.Count > s.GpuDeviceId ? gpus.Devices[s.GpuDeviceId].Index : s.GpuDeviceId,
            AllowSpinning = s.AllowSpinning,
            AllowCpuFallback = s.AllowCpuFallback,
            ExecutionProvider = s.ExecutionProvider,
            CudaArenaExtendStrategy = s.CudaArenaExtendStrategy,
            CudaGpuMemLimitBytes = s.CudaGpuMemLimitBytes,
            CudaCopyInSeparateStream = s.CudaCopyInSeparateStream,
        };
    }

    public Task<bool> UnloadAsync(string name) => models.UnloadAsync(name);

    public ListModelsResponse List()
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(models.Models.Select(Describe));
        return response;
    }

    public NodeStatus Status()
    {
        var status = new NodeStatus
        {
            NodeName = options.Value.NodeName,
            Capacity = Capacity(gpus),
            RuntimeVersion = OrtRuntime.IsLoaded ? OrtRuntime.Version : "",
            StartedAtUnixMs = StartedAt.ToUnixTimeMilliseconds(),
        };
        try
        {
            status.AvailableProviders.AddRange(OrtRuntime.AvailableProviders());
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            status.Error = e.Message;
        }
        status.Models.AddRange(models.Models.Select(Describe));
        return status;
    }

    public static NodeCapacity Capacity(GpuInventory gpus)
    {
        var capacity = new NodeCapacity
        {
            CpuCores = Environment.ProcessorCount,
            MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            Gpus = gpus.Devices.Count,
            GpuUnavailableReason = gpus.UnavailableReason ?? "",
        };
        capacity.GpuDevices.AddRange(gpus.Devices.Select(d => new Contracts.Node.V1.GpuDevice { Index = d.Index, Name = d.Name, MemoryBytes = d.MemoryBytes }));
        return capacity;
    }

    public static ModelStatus Describe(LoadedModel model)
    {
        var status = new ModelStatus
        {
            ModelName = model.Name,
            ModelVersion = model.Version,
            State = model.State switch
            {
                ModelState.Loading => Contracts.Node.V1.ModelState.Loading,
                ModelState.Ready => Contracts.Node.V1.ModelState.Ready,
                ModelState.Failed => Contracts.Node.V1.ModelState.Failed,
                _ => Contracts.Node.V1.ModelState.Unloading,
            },
            Provider = model.Provider,
            Error = model.Error ?? "",
            Location = model.Location,
            Settings = new Contracts.Node.V1.ModelSettings
            {
                IntraOpThreads = model.Settings.IntraOpThreads,
                InterOpThreads = model.Settings.InterOpThreads,
                MaxBatchSize = model.Settings.MaxBatchSize,
                MaxQueueDelayUs = model.Settings.MaxQueueDelayMicroseconds,
                MaxQueueSize = model.Settings.MaxQueueSize,
                Gpus = model.Settings.Gpus,
                GpuDeviceId = model.Settings.GpuDeviceId,
                AllowSpinning = model.Settings.AllowSpinning,
                AllowCpuFallback = model.Settings.AllowCpuFallback,
                ExecutionProvider = model.Settings.ExecutionProvider,
                CudaArenaExtendStrategy = model.Settings.CudaArenaExtendStrategy,
                CudaGpuMemLimitBytes = model.Settings.CudaGpuMemLimitBytes,
                CudaCopyInSeparateStream = model.Settings.CudaCopyInSeparateStream,
            },
            Runtime = model.Session is { } session ? new RuntimeInfo
            {
                Name = "onnxruntime",
                Version = OrtRuntime.Version,
                ExecutionProvider = session.Provider,
                FallbackReason = session.ProviderFallbackReason ?? "",
            } : null,
            LoadedAtUnixMs = model.LoadedAt.ToUnixTimeMilliseconds(),
            Queued = model.Scheduler?.Queued ?? 0,
            InFlight = model.Scheduler?.Computing ?? 0,
        };
        if (model.Scripts is { } scripts)
        {
            status.Provider = "python";
            status.Runtime = new RuntimeInfo { Name = "python-script", Version = "1", ExecutionProvider = "CPU" };
            status.Script = new ScriptStatus
            {
                SchemaJson = scripts.Workers[0].Schema?.ToJsonString() ?? "",
                RawHttp = scripts.Workers[0].RawHttp,
                Restarts = scripts.Workers.Sum(w => w.Restarts),
                MemoryLimitKills = scripts.Workers.Sum(w => w.MemoryKills),
                LastRestartReason = scripts.Workers.Select(w => w.LastRestartReason).LastOrDefault(r => r is not null) ?? "",
            };
            status.Script.WorkerPids.AddRange(scripts.Workers.Select(w => w.ProcessId ?? 0));
        }
        status.Inputs.AddRange(model.Inputs.Select(Spec));
        status.Outputs.AddRange(model.Outputs.Select(Spec));
        return status;
    }

    /// <summary>The KServe datatype, else what the value is (SEQUENCE, OPTIONAL, MAP, or an element type KServe lacks).</summary>
    public static string DescribeType(TensorInfo info) =>
        !info.IsTensor ? info.ValueType.ToString().ToUpperInvariant() : DataTypes.ToKServe(info.ElementType) ?? info.ElementType.ToString().ToUpperInvariant();

    private static TensorSpec Spec(TensorInfo info)
    {
        var spec = new TensorSpec { Name = info.Name, Datatype = DescribeType(info) };
        spec.Shape.AddRange(info.Shape);
        spec.DimNames.AddRange(info.DimensionNames);
        return spec;
    }
}
