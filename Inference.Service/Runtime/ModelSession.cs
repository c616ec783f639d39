using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Service.Runtime;

/// <summary>
/// One loaded model on ONNX Runtime's official managed API. <see cref="Run"/> may be called from many threads at once
/// (ONNX Runtime allows concurrent Run on a session). Inputs are OrtValues over the request's own (pinned) buffers.
/// </summary>
public sealed partial class ModelSession : IDisposable
{
    // Zero-element tensors still need a non-null data pointer.
    private static readonly byte[] EmptyData = GC.AllocateArray<byte>(8, pinned: true);
    // Runs that cannot be cancelled share one RunOptions: nobody ever sets its terminate flag.
    private static readonly Lazy<Ort.RunOptions> Uncancellable = new(() => new Ort.RunOptions());
    // Cancellable runs (every request: its token is the connection's) reuse RunOptions instead of creating one per
    // request (a native object behind a finalizable handle); one whose terminate flag was set is never reused.
    private static readonly ConcurrentQueue<Ort.RunOptions> IdleRunOptions = new();
    private static int _idleRunOptions;
    private const int MaxIdleRunOptions = 64;

    private readonly Ort.InferenceSession _session;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    // Per output, how to know its shape before Run (null: only ORT knows), so ORT writes straight into a buffer we own.
    private readonly OutputShapePlan?[] _outputPlans;

    private ModelSession(Ort.InferenceSession session, string provider, string? fallbackReason)
    {
        _session = session;
        Provider = provider;
        ProviderFallbackReason = fallbackReason;
        Inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToArray();
        Outputs = session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToArray();
        _inputIndex = Inputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _outputIndex = Outputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _outputPlans = Outputs.Select(o => OutputShapePlan.For(o, Inputs)).ToArray();
    }

    /// <summary>How many of this session's outputs are written by ORT straight into buffers we allocate (their shapes are known before Run).</summary>
    public int PreallocatedOutputCount => _outputPlans.Count(p => p is { Enabled: true });

    public IReadOnlyList<TensorInfo> Inputs { get; }
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>The execution provider the session runs on: CPU, CUDA or TensorRT.</summary>
    public string Provider { get; }

    /// <summary>Why a requested GPU provider was not used (ORT's message and log); null when nothing fell back.</summary>
    public string? ProviderFallbackReason { get; }

    public static ModelSession FromFile(string path, SessionSettings? settings = null) =>
        Create(settings ?? new SessionSettings(), options => new Ort.InferenceSession(path, options));

    public static ModelSession FromBytes(ReadOnlyMemory<byte> model, SessionSettings? settings = null)
    {
        var bytes = MemoryMarshal.TryGetArray(model, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : model.ToArray();
        return Create(settings ?? new SessionSettings(), options => new Ort.InferenceSession(bytes, options));
    }

    private static ModelSession Create(SessionSettings settings, Func<Ort.SessionOptions, Ort.InferenceSession> open)
    {
        // The environment (with its log callback) must exist before any other ORT object, or ORT makes a default one.
        _ = OrtRuntime.Environment;
        string? fallback = null;
        if (settings.CudaDeviceId is { } device)
        {
            var provider = settings.UseTensorRt ? ExecutionProviders.TensorRt : ExecutionProviders.Cuda;
            using var capture = OrtRuntime.Capture();
            try
            {
                return Translated(() =>
                {
                    using var options = SessionOptionsFactory.Create(settings);
                    SessionOptionsFactory.AppendGpu(options, settings, device);
                    return new ModelSession(open(options), provider, null);
                });
            }
            catch (OrtException e) when (IsProviderFailure(e))
            {
                fallback = ProviderFailure.Describe(provider, device, e.Message, capture.Lines);
                if (!settings.AllowCpuFallback) throw new OrtException(OrtErrorCode.EpFail, fallback, e);
            }
        }

        return Translated(() =>
        {
            using var cpuOptions = SessionOptionsFactory.Create(settings);
            return new ModelSession(open(cpuOptions), ExecutionProviders.Cpu, fallback);
        });
    }

    // A provider failure (library missing, no device) comes back as FAIL or EP_FAIL; a bad model fails the CPU retry with its own message.
    private static bool IsProviderFailure(OrtException e) => e.ErrorCode is OrtErrorCode.Fail or OrtErrorCode.EpFail or OrtErrorCode.RuntimeException;

    private static T Translated<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw OrtErrors.From(e);
        }
    }

    /// <summary>
    /// Runs the model. Inputs are passed by name in any order; <paramref name="outputNames"/> null means every output, in model order.
    /// An output whose shape follows from the model's declared dimensions and the inputs' actual ones is written by ORT
    /// straight into an array we allocate (no copy afterwards); any other output is allocated by ORT and copied out.
    /// Either way the returned tensors own their buffers. Cancelling <paramref name="cancellation"/> terminates the run
    /// inside ORT (RunOptions.Terminate), which then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputNames = null, CancellationToken cancellation = default)
    {
        try
        {
            return RunCore(inputs, outputNames, preallocate: true, cancellation, out _);
        }
        catch (OrtException) when (AnyPreallocated(outputNames))
        {
            // A model may compute a shape other than the one it declares. Run again with ORT's own buffers: if that
            // succeeds the declaration was wrong and those outputs are never preallocated again; if not, its error stands.
            var result = RunCore(inputs, outputNames, preallocate: false, cancellation, out var outIndexes);
            foreach (var index in outIndexes) _outputPlans[index]?.Disable();
            return result;
        }
    }

    private bool AnyPreallocated(IReadOnlyList<string>? outputNames)
    {
        var count = outputNames?.Count ?? Outputs.Count;
        for (var o = 0; o < count; o++)
        {
            var index = outputNames is null ? o : _outputIndex.GetValueOrDefault(outputNames[o], -1);
            if (index >= 0 && _outputPlans[index] is { Enabled: true }) return true;
        }
        return false;
    }

    private Tensor[] RunCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputNames, bool preallocate,
        CancellationToken cancellation, out int[] outIndexes)
    {
        var inputCount = inputs.Count;
        var outputCount = outputNames?.Count ?? Outputs.Count;
        var call = new RunCall(inputCount, outputCount);
        outIndexes = call.OutIndexes;
        // Inputs by model position, so output shapes can be read off the inputs' actual dimensions.
        var byModelIndex = new Tensor?[Inputs.Count];
        try
        {
            for (var i = 0; i < inputCount; i++)
            {
                var tensor = inputs[i];
                if (!_inputIndex.TryGetValue(tensor.Name, out var index))
                    throw new OrtException(OrtErrorCode.InvalidArgument, $"The model has no input named '{tensor.Name}'.");
                call.InNames[i] = Inputs[index].Name;
                byModelIndex[index] = tensor;
                call.InValues[i] = tensor.ElementType == TensorElementType.String
                    ? CreateStringValue(tensor)
                    : CreateValueOver(tensor.ElementType, tensor.Shape, tensor.Data, out call.Pins[i]);
            }

            for (var o = 0; o < outputCount; o++)
            {
                var index = outputNames is null ? o
                    : _outputIndex.TryGetValue(outputNames[o], out var found) ? found
                    : throw new OrtException(OrtErrorCode.InvalidArgument, $"The model has no output named '{outputNames[o]}'.");
                call.OutIndexes[o] = index;
                call.OutNames[o] = Outputs[index].Name;
                if (preallocate && _outputPlans[index] is { Enabled: true } plan && plan.TryResolve(byModelIndex, out var shape, out var bytes))
                {
                    var buffer = GC.AllocateUninitializedArray<byte>(checked((int)bytes));
                    call.Owned[o] = (buffer, shape);
                    call.OutValues[o] = CreateValueOver(Outputs[index].ElementType, shape, buffer, out call.Pins[inputCount + o]);
                }
            }

            return Terminable(cancellation, options => Execute(call, options));
        }
        finally
        {
            call.Dispose();
        }
    }

    // One RunOptions per cancellable run at a time: cancelling the token sets its terminate flag, and ORT stops between kernels.
    private static Tensor[] Terminable(CancellationToken cancellation, Func<Ort.RunOptions, Tensor[]> run)
    {
        var options = !cancellation.CanBeCanceled ? Uncancellable.Value
            : TakeIdleRunOptions() ?? new Ort.RunOptions();
        try
        {
            // Disposed before the options: a callback under way finishes first, and none can start after.
            using (cancellation.CanBeCanceled ? cancellation.UnsafeRegister(static o => ((Ort.RunOptions)o!).Terminate = true, options) : default)
                return run(options);
        }
        catch (Ort.OnnxRuntimeException e)
        {
            if (cancellation.IsCancellationRequested)
                throw new OperationCanceledException("The run was terminated inside ONNX Runtime: its caller gave up.", OrtErrors.From(e), cancellation);
            throw OrtErrors.From(e);
        }
        finally
        {
            // The registration is disposed by now, so no callback can still set the flag: an unset one is as new.
            if (cancellation.CanBeCanceled)
            {
                if (options.Terminate || Volatile.Read(ref _idleRunOptions) >= MaxIdleRunOptions) options.Dispose();
                else
                {
                    Interlocked.Increment(ref _idleRunOptions);
                    IdleRunOptions.Enqueue(options);
                }
            }
        }
    }

    private static Ort.RunOptions? TakeIdleRunOptions()
    {
        if (!IdleRunOptions.TryDequeue(out var options)) return null;
        Interlocked.Decrement(ref _idleRunOptions);
        return options;
    }

    private Tensor[] Execute(RunCall call, Ort.RunOptions options)
    {
        var preallocated = call.OutValues.Count(v => v is not null);
        var results = new Tensor[call.OutNames.Length];
        if (preallocated == results.Length)
        {
            _session.Run(options, call.InNames, call.InValues, call.OutNames, call.OutValues);
            for (var o = 0; o < results.Length; o++) results[o] = Owned(call, o);
            return results;
        }

        if (preallocated == 0)
        {
            using var computed = _session.Run(options, call.InNames, call.InValues, call.OutNames);
            var o = 0;
            foreach (var value in computed) results[o] = CopyOut(call.OutNames[o++], value);
            return results;
        }

        // Some outputs into our buffers, the rest allocated by ORT: only an IoBinding can mix the two in one Run.
        using var binding = _session.CreateIoBinding();
        for (var i = 0; i < call.InNames.Length; i++) binding.BindInput(call.InNames[i], call.InValues[i]);
        for (var o = 0; o < results.Length; o++)
        {
            if (call.OutValues[o] is { } value) binding.BindOutput(call.OutNames[o], value);
            else binding.BindOutputToDevice(call.OutNames[o], Ort.OrtMemoryInfo.DefaultInstance);
        }
        _session.RunWithBinding(options, binding);
        using var bound = binding.GetOutputValues();
        var b = 0;
        foreach (var value in bound)
        {
            results[b] = call.Owned[b] is null ? CopyOut(call.OutNames[b], value) : Owned(call, b);
            b++;
        }
        return results;
    }

    private Tensor Owned(RunCall call, int o)
    {
        var (buffer, shape) = call.Owned[o]!.Value;
        return Tensor.FromBytes(call.OutNames[o], Outputs[call.OutIndexes[o]].ElementType, shape, buffer);
    }

    // An OrtValue over memory we own, pinned until the caller disposes the handle (after Run).
    private static unsafe Ort.OrtValue CreateValueOver(TensorElementType type, long[] dims, ReadOnlyMemory<byte> data, out MemoryHandle pin)
    {
        pin = data.Length == 0 ? default : data.Pin();
        var address = data.Length == 0
            ? (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(EmptyData))
            : (IntPtr)pin.Pointer;
        return Ort.OrtValue.CreateTensorValueWithData(Ort.OrtMemoryInfo.DefaultInstance, (Ort.Tensors.TensorElementType)(int)type, dims, address, data.Length);
    }

    private static Ort.OrtValue CreateStringValue(Tensor tensor)
    {
        // ORT keeps its own copy of every string: the request's array is not held.
        var value = Ort.OrtValue.CreateTensorWithEmptyStrings(Ort.OrtAllocator.DefaultInstance, tensor.Shape);
        try
        {
            var strings = tensor.Strings!;
            for (var i = 0; i < strings.Length; i++) value.StringTensorSetElementAt(strings[i].AsSpan(), i);
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    private static Tensor CopyOut(string name, Ort.OrtValue value)
    {
        var valueType = (OnnxValueType)(int)value.OnnxType;
        if (valueType != OnnxValueType.Tensor)
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' is a {valueType}, not a tensor; only tensors are served.");

        var info = value.GetTensorTypeAndShape();
        var type = (TensorElementType)(int)info.ElementDataType;
        var shape = info.Shape;
        if (type == TensorElementType.String)
            return Tensor.FromStrings(name, shape, info.ElementCount == 0 ? [] : value.GetStringTensorAsArray());
        if (type.ElementSize() == 0)
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' has element type {type}, which cannot be served.");
        var bytes = info.ElementCount == 0 ? [] : value.GetTensorMutableRawData().ToArray();
        return Tensor.FromBytes(name, type, shape, bytes);
    }

    private static TensorInfo Describe(string name, Ort.NodeMetadata metadata)
    {
        var valueType = (OnnxValueType)(int)metadata.OnnxValueType;
        if (valueType != OnnxValueType.Tensor)
            return new TensorInfo(name, valueType, TensorElementType.Undefined, [], []);
        return new TensorInfo(name, valueType, (TensorElementType)(int)metadata.ElementDataType,
            metadata.Dimensions.Select(d => (long)d).ToArray(), metadata.SymbolicDimensions.Select(s => s ?? "").ToArray());
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Everything one Run holds: names, values, pins and our output buffers, released together.</summary>
    private sealed class RunCall(int inputCount, int outputCount) : IDisposable
    {
        public readonly string[] InNames = new string[inputCount];
        public readonly Ort.OrtValue[] InValues = new Ort.OrtValue[inputCount];
        public readonly string[] OutNames = new string[outputCount];
        public readonly Ort.OrtValue[] OutValues = new Ort.OrtValue[outputCount];
        public readonly int[] OutIndexes = new int[outputCount];
        public readonly (byte[] Buffer, long[] Shape)?[] Owned = new (byte[], long[])?[outputCount];
        public readonly MemoryHandle[] Pins = new MemoryHandle[inputCount + outputCount];

        public void Dispose()
        {
            // Slots a failed call never filled are still null.
            foreach (var value in InValues) value?.Dispose();
            foreach (var value in OutValues) value?.Dispose();
            for (var i = 0; i < Pins.Length; i++) Pins[i].Dispose();
        }
    }
}
