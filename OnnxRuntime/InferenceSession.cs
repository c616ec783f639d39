using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using OnnxRuntime.Native;

namespace OnnxRuntime;

/// <summary>
/// One loaded model. <see cref="Run"/> may be called from many threads at once (ONNX Runtime allows concurrent Run on a session).
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    // Zero-element tensors still need a non-null data pointer.
    private static readonly byte[] EmptyData = GC.AllocateArray<byte>(8, pinned: true);

    private readonly SessionHandle _session;
    private readonly OrtEnvironment _env;
    // Names as pinned UTF-8 arrays so Run can hand ORT their addresses without marshalling, and nothing needs freeing.
    private readonly byte[][] _inputNames;
    private readonly byte[][] _outputNames;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    // Per output, how to know its shape before Run (null: only ORT knows), so ORT writes straight into a buffer we own.
    private readonly OutputShapePlan?[] _outputPlans;

    private InferenceSession(SessionHandle session, OrtEnvironment env, string provider, string? fallbackReason)
    {
        _session = session;
        _env = env;
        Provider = provider;
        ProviderFallbackReason = fallbackReason;
        Inputs = ReadTensorInfos(isInput: true);
        Outputs = ReadTensorInfos(isInput: false);
        _inputNames = Inputs.Select(i => PinnedUtf8(i.Name)).ToArray();
        _outputNames = Outputs.Select(o => PinnedUtf8(o.Name)).ToArray();
        _inputIndex = Inputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _outputIndex = Outputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _outputPlans = Outputs.Select(o => OutputShapePlan.For(o, Inputs)).ToArray();
    }

    /// <summary>How many of this session's outputs are written by ORT straight into buffers we allocate (their shapes are known before Run).</summary>
    public int PreallocatedOutputCount => _outputPlans.Count(p => p is { Enabled: true });

    public IReadOnlyList<TensorInfo> Inputs { get; }
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>The execution provider the session runs on: CPU or CUDA.</summary>
    public string Provider { get; }

    /// <summary>Why a requested GPU provider was not used (ORT's message); null when nothing fell back.</summary>
    public string? ProviderFallbackReason { get; }

    public static InferenceSession FromFile(string path, SessionSettings? settings = null)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        return Create(settings ?? new SessionSettings(), (env, options) =>
        {
            IntPtr session;
            fixed (byte* p = bytes)
                OrtApi.Check(OrtApi.CreateSession(env, p, options, &session));
            return session;
        });
    }

    public static InferenceSession FromBytes(ReadOnlyMemory<byte> model, SessionSettings? settings = null) =>
        Create(settings ?? new SessionSettings(), (env, options) =>
        {
            IntPtr session;
            using var pin = model.Pin();
            OrtApi.Check(OrtApi.CreateSessionFromArray(env, pin.Pointer, (nuint)model.Length, options, &session));
            return session;
        });

    private static InferenceSession Create(SessionSettings settings, Func<IntPtr, IntPtr, IntPtr> createSession)
    {
        var env = OrtEnvironment.Instance;
        string? fallback = null;
        if (settings.CudaDeviceId is { } device)
        {
            try
            {
                using var options = BuildOptions(settings, device);
                var handle = CreateWith(env, options, createSession);
                return new InferenceSession(handle, env, ExecutionProviders.Cuda, null);
            }
            catch (OrtException e) when (IsProviderFailure(e))
            {
                fallback = $"CUDA execution provider unavailable on device {device}: {e.Message}";
            }
        }

        using var cpuOptions = BuildOptions(settings, cudaDevice: null);
        return new InferenceSession(CreateWith(env, cpuOptions, createSession), env, ExecutionProviders.Cpu, fallback);
    }

    // A CUDA failure (library missing, no device) comes back as FAIL or EP_FAIL; a bad model fails the CPU retry with its own message.
    private static bool IsProviderFailure(OrtException e) => e.ErrorCode is OrtErrorCode.Fail or OrtErrorCode.EpFail or OrtErrorCode.RuntimeException;

    private static SessionHandle CreateWith(OrtEnvironment env, SessionOptionsHandle options, Func<IntPtr, IntPtr, IntPtr> createSession)
    {
        bool envRef = false, optionsRef = false;
        try
        {
            env.Env.DangerousAddRef(ref envRef);
            options.DangerousAddRef(ref optionsRef);
            return new SessionHandle(createSession(env.Env.DangerousGetHandle(), options.DangerousGetHandle()));
        }
        finally
        {
            if (optionsRef) options.DangerousRelease();
            if (envRef) env.Env.DangerousRelease();
        }
    }

    private static SessionOptionsHandle BuildOptions(SessionSettings settings, int? cudaDevice)
    {
        IntPtr raw;
        OrtApi.Check(OrtApi.CreateSessionOptions(&raw));
        var options = new SessionOptionsHandle(raw);
        try
        {
            if (settings.IntraOpThreads > 0) OrtApi.Check(OrtApi.SetIntraOpNumThreads(raw, settings.IntraOpThreads));
            if (settings.InterOpThreads > 0) OrtApi.Check(OrtApi.SetInterOpNumThreads(raw, settings.InterOpThreads));
            OrtApi.Check(OrtApi.SetSessionExecutionMode(raw, (int)settings.ExecutionMode));
            OrtApi.Check(OrtApi.SetSessionGraphOptimizationLevel(raw, (int)settings.OptimizationLevel));
            var spin = settings.AllowSpinning ? "1" : "0";
            AddConfigEntry(raw, "session.intra_op.allow_spinning", spin);
            AddConfigEntry(raw, "session.inter_op.allow_spinning", spin);
            if (cudaDevice is { } device) AppendCuda(raw, device);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(IntPtr options, string key, string value)
    {
        var k = Encoding.UTF8.GetBytes(key + "\0");
        var v = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* pk = k, pv = v)
            OrtApi.Check(OrtApi.AddSessionConfigEntry(options, pk, pv));
    }

    private static void AppendCuda(IntPtr options, int device)
    {
        IntPtr raw;
        OrtApi.Check(OrtApi.CreateCUDAProviderOptions(&raw));
        using var cuda = new CudaOptionsHandle(raw);
        var key = Encoding.UTF8.GetBytes("device_id\0");
        var value = Encoding.UTF8.GetBytes(device.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
        fixed (byte* pk = key, pv = value)
        {
            var keys = pk;
            var values = pv;
            OrtApi.Check(OrtApi.UpdateCUDAProviderOptions(raw, &keys, &values, 1));
        }
        OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(options, raw));
    }

    /// <summary>
    /// Runs the model. Inputs are passed by name in any order; <paramref name="outputNames"/> null means every output, in model order.
    /// An output whose shape follows from the model's declared dimensions and the inputs' actual ones is written by ORT
    /// straight into an array we allocate (no copy afterwards); any other output is allocated by ORT and copied out.
    /// Either way the returned tensors own their buffers.
    /// </summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        try
        {
            return RunCore(inputs, outputNames, preallocate: true, out _);
        }
        catch (OrtException) when (AnyPreallocated(inputs, outputNames))
        {
            // A model may compute a shape other than the one it declares. Run again with ORT's own buffers: if that
            // succeeds the declaration was wrong and those outputs are never preallocated again; if not, its error stands.
            var result = RunCore(inputs, outputNames, preallocate: false, out var outIndexes);
            foreach (var index in outIndexes) _outputPlans[index]?.Disable();
            return result;
        }
    }

    private bool AnyPreallocated(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputNames)
    {
        var count = outputNames?.Count ?? Outputs.Count;
        for (var o = 0; o < count; o++)
        {
            var index = outputNames is null ? o : _outputIndex.GetValueOrDefault(outputNames[o], -1);
            if (index >= 0 && _outputPlans[index] is { Enabled: true }) return true;
        }
        return false;
    }

    private Tensor[] RunCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputNames, bool preallocate, out int[] outIndexes)
    {
        var inputCount = inputs.Count;
        var outputCount = outputNames?.Count ?? Outputs.Count;
        var inNames = stackalloc IntPtr[inputCount];
        var outNames = stackalloc IntPtr[outputCount];
        outIndexes = new int[outputCount];
        // Inputs by model position, so output shapes can be read off the inputs' actual dimensions.
        var byModelIndex = new Tensor?[Inputs.Count];
        var pins = ArrayPool<MemoryHandle>.Shared.Rent(inputCount + outputCount);
        var owned = new (byte[] Buffer, long[] Shape)?[outputCount];
        using var inValues = new ValueList(inputCount);
        using var outValues = new ValueList(outputCount);
        var sessionRef = false;
        try
        {
            _session.DangerousAddRef(ref sessionRef);
            for (var i = 0; i < inputCount; i++)
            {
                var tensor = inputs[i];
                if (!_inputIndex.TryGetValue(tensor.Name, out var index))
                    throw new OrtException(OrtErrorCode.InvalidArgument, $"The model has no input named '{tensor.Name}'.");
                inNames[i] = AddressOf(_inputNames[index]);
                byModelIndex[index] = tensor;
                inValues.Values[i] = tensor.ElementType == TensorElementType.String
                    ? CreateStringValue(tensor)
                    : CreateValueOver(tensor, out pins[i]);
            }

            for (var o = 0; o < outputCount; o++)
            {
                var index = outputNames is null ? o
                    : _outputIndex.TryGetValue(outputNames[o], out var found) ? found
                    : throw new OrtException(OrtErrorCode.InvalidArgument, $"The model has no output named '{outputNames[o]}'.");
                outIndexes[o] = index;
                outNames[o] = AddressOf(_outputNames[index]);
                if (preallocate && _outputPlans[index] is { Enabled: true } plan && plan.TryResolve(byModelIndex, out var shape, out var bytes))
                {
                    var buffer = GC.AllocateUninitializedArray<byte>(checked((int)bytes));
                    owned[o] = (buffer, shape);
                    outValues.Values[o] = CreateValueOver(Outputs[index].ElementType, shape, buffer, out pins[inputCount + o]);
                }
            }

            fixed (IntPtr* inPtrs = inValues.Values, outPtrs = outValues.Values)
            {
                OrtApi.Check(OrtApi.Run(_session.DangerousGetHandle(), IntPtr.Zero, inNames, inPtrs, (nuint)inputCount, outNames, (nuint)outputCount, outPtrs));
            }

            var results = new Tensor[outputCount];
            for (var o = 0; o < outputCount; o++)
            {
                var name = Outputs[outIndexes[o]].Name;
                results[o] = owned[o] is var (buffer, shape)
                    ? Tensor.FromBytes(name, Outputs[outIndexes[o]].ElementType, shape, buffer)
                    : CopyOut(name, outValues.Values[o]);
            }
            return results;
        }
        finally
        {
            for (var i = 0; i < inputCount + outputCount; i++) pins[i].Dispose();
            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
            if (sessionRef) _session.DangerousRelease();
        }
    }

    private IntPtr CreateValueOver(Tensor tensor, out MemoryHandle pin) => CreateValueOver(tensor.ElementType, tensor.Shape, tensor.Data, out pin);

    // An OrtValue over memory we own, pinned until the caller disposes the handle (after Run).
    private IntPtr CreateValueOver(TensorElementType type, long[] dims, ReadOnlyMemory<byte> data, out MemoryHandle pin)
    {
        pin = data.Length == 0 ? default : data.Pin();
        var address = data.Length == 0 ? AddressOf(EmptyData) : (IntPtr)pin.Pointer;
        IntPtr value;
        fixed (long* shape = dims)
        {
            OrtApi.Check(OrtApi.CreateTensorWithDataAsOrtValue(_env.CpuMemory.DangerousGetHandle(), (void*)address, (nuint)data.Length,
                shape, (nuint)dims.Length, type, &value));
        }
        return value;
    }

    private IntPtr CreateStringValue(Tensor tensor)
    {
        IntPtr value;
        fixed (long* shape = tensor.Shape)
            OrtApi.Check(OrtApi.CreateTensorAsOrtValue(_env.DefaultAllocator, shape, (nuint)tensor.Shape.Length, TensorElementType.String, &value));
        var strings = tensor.Strings!;
        if (strings.Length == 0) return value;
        try
        {
            // One buffer holding every string NUL-terminated; FillStringTensor copies them.
            var total = 0;
            foreach (var s in strings) total += Encoding.UTF8.GetByteCount(s) + 1;
            var buffer = ArrayPool<byte>.Shared.Rent(total);
            var pointers = ArrayPool<IntPtr>.Shared.Rent(strings.Length);
            try
            {
                fixed (byte* b = buffer)
                {
                    var offset = 0;
                    for (var i = 0; i < strings.Length; i++)
                    {
                        pointers[i] = (IntPtr)(b + offset);
                        offset += Encoding.UTF8.GetBytes(strings[i], buffer.AsSpan(offset));
                        buffer[offset++] = 0;
                    }
                    fixed (IntPtr* p = pointers)
                        OrtApi.Check(OrtApi.FillStringTensor(value, (byte**)p, (nuint)strings.Length));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                ArrayPool<IntPtr>.Shared.Return(pointers);
            }
            return value;
        }
        catch
        {
            OrtApi.ReleaseValue(value);
            throw;
        }
    }

    private static Tensor CopyOut(string name, IntPtr value)
    {
        OnnxValueType valueType;
        OrtApi.Check(OrtApi.GetValueType(value, &valueType));
        if (valueType != OnnxValueType.Tensor)
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' is a {valueType}, not a tensor; only tensors are served.");

        IntPtr info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(value, &info));
        TensorElementType type;
        long[] shape;
        try
        {
            OrtApi.Check(OrtApi.GetTensorElementType(info, &type));
            nuint rank;
            OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank));
            shape = new long[(int)rank];
            fixed (long* dims = shape)
                OrtApi.Check(OrtApi.GetDimensions(info, dims, rank));
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }

        var count = Tensor.ShapeElementCount(shape);
        if (type == TensorElementType.String)
            return Tensor.FromStrings(name, shape, ReadStrings(value, count));

        var size = type.ElementSize();
        if (size == 0)
            throw new OrtException(OrtErrorCode.NotImplemented, $"Output '{name}' has element type {type}, which cannot be served.");
        var bytes = new byte[count * size];
        if (bytes.Length > 0)
        {
            void* data;
            OrtApi.Check(OrtApi.GetTensorMutableData(value, &data));
            new ReadOnlySpan<byte>(data, bytes.Length).CopyTo(bytes);
        }
        return Tensor.FromBytes(name, type, shape, bytes);
    }

    private static string[] ReadStrings(IntPtr value, long count)
    {
        var strings = new string[count];
        if (count == 0) return strings;
        nuint length;
        OrtApi.Check(OrtApi.GetStringTensorDataLength(value, &length));
        var content = new byte[Math.Max(1, (int)length)];
        var offsets = new nuint[count];
        fixed (byte* c = content)
        fixed (nuint* o = offsets)
            OrtApi.Check(OrtApi.GetStringTensorContent(value, c, length, o, (nuint)count));
        for (var i = 0; i < count; i++)
        {
            var start = (int)offsets[i];
            var end = i + 1 < count ? (int)offsets[i + 1] : (int)length;
            strings[i] = Encoding.UTF8.GetString(content, start, end - start);
        }
        return strings;
    }

    private TensorInfo[] ReadTensorInfos(bool isInput)
    {
        var session = _session.DangerousGetHandle();
        nuint count;
        OrtApi.Check(isInput ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count));
        var infos = new TensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            OrtApi.Check(isInput
                ? OrtApi.SessionGetInputName(session, i, _env.DefaultAllocator, &rawName)
                : OrtApi.SessionGetOutputName(session, i, _env.DefaultAllocator, &rawName));
            var name = Marshal.PtrToStringUTF8((IntPtr)rawName) ?? "";
            OrtApi.Check(OrtApi.AllocatorFree(_env.DefaultAllocator, rawName));

            IntPtr rawTypeInfo;
            OrtApi.Check(isInput ? OrtApi.SessionGetInputTypeInfo(session, i, &rawTypeInfo) : OrtApi.SessionGetOutputTypeInfo(session, i, &rawTypeInfo));
            using var typeInfo = new TypeInfoHandle(rawTypeInfo);
            infos[(int)i] = DescribeType(name, rawTypeInfo);
        }
        return infos;
    }

    private static TensorInfo DescribeType(string name, IntPtr typeInfo)
    {
        OnnxValueType valueType;
        OrtApi.Check(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &valueType));
        if (valueType != OnnxValueType.Tensor)
            return new TensorInfo(name, valueType, TensorElementType.Undefined, [], []);

        // The tensor info belongs to the type info: not released separately.
        IntPtr tensorInfo;
        OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        TensorElementType type;
        OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &type));
        nuint rank;
        OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank));
        var shape = new long[(int)rank];
        var symbols = new IntPtr[(int)rank];
        fixed (long* dims = shape)
            OrtApi.Check(OrtApi.GetDimensions(tensorInfo, dims, rank));
        fixed (IntPtr* syms = symbols)
            OrtApi.Check(OrtApi.GetSymbolicDimensions(tensorInfo, (byte**)syms, rank));
        var names = symbols.Select(s => s == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(s) ?? "").ToArray();
        return new TensorInfo(name, valueType, type, shape, names);
    }

    private static byte[] PinnedUtf8(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var bytes = GC.AllocateArray<byte>(count + 1, pinned: true);
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static IntPtr AddressOf(byte[] pinned) => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    public void Dispose() => _session.Dispose();
}
