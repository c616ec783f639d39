using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Inference.Service.Runtime;
using Microsoft.ML.OnnxRuntime;

// Each model on CPU and on CUDA: same inputs, answers compared, then latency (batch 1) and throughput (batch 32).
// Exit 0 when CUDA answers match CPU (or, with --force on a machine without a GPU, after the CPU figures); 1 otherwise.
var folder = "out/models";
var device = 0;
var duration = TimeSpan.FromSeconds(3);
var force = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--models": folder = args[++i]; break;
        case "--device": device = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--duration": duration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        case "--force": force = true; break;
        default: throw new ArgumentException($"Unknown argument {args[i]}; use --models DIR, --device N, --duration SECONDS, --force");
    }
}

var env = OrtRuntime.Environment; // the node's one environment, with its log callback
Console.WriteLine($"ONNX Runtime {env.GetVersionString()}; providers compiled in: {string.Join(", ", env.GetAvailableProviders())}");
var ok = true;
var cudaRan = false;
foreach (var model in new[] { "cnn", "transformer" })
{
    var path = Path.Combine(folder, model + ".onnx");
    using var cpu = new InferenceSession(path);
    InferenceSession? cuda = null;
    try
    {
        using var options = new SessionOptions();
        using var cudaOptions = new OrtCUDAProviderOptions();
        cudaOptions.UpdateOptions(new Dictionary<string, string> { ["device_id"] = device.ToString(CultureInfo.InvariantCulture) });
        options.AppendExecutionProvider_CUDA(cudaOptions);
        cuda = new InferenceSession(path, options);
    }
    catch (OnnxRuntimeException e)
    {
        // ORT printed the cause (e.g. a missing libcublasLt.so.13) on stderr just above.
        Console.WriteLine($"{model}: CUDA provider unavailable on device {device}: {e.Message}");
        if (!force) ok = false;
    }

    using (cuda)
    {
        var input = cpu.InputNames[0];
        var sample = Shape(cpu.InputMetadata[input].Dimensions, rows: 1);
        var random = new Random(7);
        var values = Enumerable.Range(0, (int)sample.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        if (cuda is not null)
        {
            cudaRan = true;
            var expected = RunOnce(cpu, input, sample, values);
            var actual = RunOnce(cuda, input, sample, values);
            // CUDA may use TF32 and other kernels: compare relative to the answer's own scale.
            var scale = Math.Max(1e-6, expected.Max(v => Math.Abs(v)));
            var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() / scale;
            var match = worst < 1e-2;
            ok &= match;
            Console.WriteLine($"{model}: CUDA vs CPU max relative difference {worst:E2} -> {(match ? "MATCH" : "MISMATCH")}");
        }

        foreach (var (name, session) in new[] { ("CPU", cpu), ("CUDA", cuda) })
        {
            if (session is null) continue;
            var latency = Measure(session, input, sample, values, 1, duration);
            var batch = Shape(cpu.InputMetadata[input].Dimensions, rows: 32);
            var stacked = Enumerable.Repeat(values, 32).SelectMany(v => v).ToArray();
            var throughput = Measure(session, input, batch, stacked, 32, duration);
            Console.WriteLine($"{model,-12} {name,-5} batch 1: p50 {latency.P50:F0} us, p99 {latency.P99:F0} us   batch 32: {throughput.RowsPerSecond:F0} rows/s");
        }
    }
}
// The node's own path: ModelSession with the settings a deployment's gpuOptions become, no CPU fallback allowed, so a
// provider that cannot load fails here instead of quietly running on CPU.
foreach (var model in new[] { "cnn", "transformer" })
{
    var path = Path.Combine(folder, model + ".onnx");
    using var onCpu = ModelSession.FromFile(path);
    ModelSession? onGpu = null;
    try
    {
        onGpu = ModelSession.FromFile(path, new SessionSettings
        {
            CudaDeviceId = device,
            Cuda = new CudaSettings { ArenaExtendStrategy = "kSameAsRequested", GpuMemLimitBytes = 4L << 30 },
        });
    }
    catch (Exception e) when (e is OrtException or OnnxRuntimeException)
    {
        Console.WriteLine($"{model}: node path could not open on CUDA: {e.Message}");
        if (!force) ok = false;
    }

    using (onGpu)
    {
        if (onGpu is null) continue;
        var info = onCpu.Inputs[0];
        var shape = info.Shape.Select(d => d < 0 ? 1L : d).ToArray();
        var random = new Random(11);
        var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var inputs = new[] { Tensor.FromArray(info.Name, shape, values) };
        var expected = MemoryMarshal.Cast<byte, float>(onCpu.Run(inputs)[0].Data.Span).ToArray();
        var actual = MemoryMarshal.Cast<byte, float>(onGpu.Run(inputs)[0].Data.Span).ToArray();
        var scale = Math.Max(1e-6, expected.Max(v => Math.Abs(v)));
        var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() / scale;
        var match = onGpu.Provider == ExecutionProviders.Cuda && worst < 1e-2;
        ok &= match;
        cudaRan |= onGpu.Provider == ExecutionProviders.Cuda;
        Console.WriteLine($"{model}: node path provider {onGpu.Provider}, preallocated outputs {onGpu.PreallocatedOutputCount}, max relative difference {worst:E2} -> {(match ? "MATCH" : "MISMATCH")}");
        foreach (var (name, session) in new[] { ("CPU", onCpu), ("CUDA", onGpu) })
        {
            for (var i = 0; i < 10; i++) session.Run(inputs);
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                session.Run(inputs);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
            times.Sort();
            Console.WriteLine($"{model,-12} {name,-5} node path batch 1: p50 {times[times.Count / 2]:F0} us, p99 {times[Math.Min(times.Count - 1, times.Count * 99 / 100)]:F0} us");
        }
    }
}

Console.WriteLine(!ok ? "GPU check: FAILED" : cudaRan ? "GPU check: OK (CUDA answers match CPU)" : "GPU check: NO GPU (CUDA unavailable; CPU figures only)");
return ok ? 0 : 1;

static long[] Shape(int[] dims, int rows) => dims.Select((d, i) => i == 0 && d < 0 ? rows : Math.Max(1, d)).Select(d => (long)d).ToArray();

static float[] RunOnce(InferenceSession session, string input, long[] shape, float[] values)
{
    using var value = OrtValue.CreateTensorValueFromMemory(values, shape);
    using var options = new RunOptions();
    using var results = session.Run(options, [input], [value], session.OutputNames);
    return results[0].GetTensorDataAsSpan<float>().ToArray();
}

static (double P50, double P99, double RowsPerSecond) Measure(InferenceSession session, string input, long[] shape, float[] values, int rows, TimeSpan duration)
{
    using var value = OrtValue.CreateTensorValueFromMemory(values, shape);
    using var options = new RunOptions();
    for (var i = 0; i < 10; i++) Run();
    var times = new List<double>();
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < duration)
    {
        var started = Stopwatch.GetTimestamp();
        Run();
        times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
    }
    times.Sort();
    return (times[times.Count / 2], times[Math.Min(times.Count - 1, times.Count * 99 / 100)], times.Count * rows / clock.Elapsed.TotalSeconds);

    void Run()
    {
        using var results = session.Run(options, [input], [value], session.OutputNames);
    }
}
