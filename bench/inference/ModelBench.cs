using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Contracts.Inference;
using Google.Protobuf;
using Inference.Service.Runtime;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Bench;

/// <summary>One model through every path: raw ONNX Runtime (its official API), then the node over REST JSON, REST binary and gRPC, batching off and on.</summary>
internal static class ModelBench
{
    private const int MaxBatchSize = 32;

    public static async Task RunAsync(string name, string path, BenchNode node, BenchOptions options, Report report)
    {
        // Raw: ONNX Runtime's official API on its own, options as the node sets them (all optimisations, no spinning).
        _ = OrtRuntime.Environment;
        using var sessionOptions = new Ort.SessionOptions();
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        using var session = new Ort.InferenceSession(path, sessionOptions);
        var inputName = session.InputNames[0];
        var dims = session.InputMetadata[inputName].Dimensions;
        var shape = dims.Select(d => d < 0 ? 1L : d).ToArray();
        if (dims.Length > 0 && dims[0] < 0) shape[0] = options.Rows;
        var count = (int)Tensor.ShapeElementCount(shape);
        var random = new Random(42);
        var values = Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
        var tensor = Tensor.FromArray(inputName, shape, values);
        using var runOptions = new Ort.RunOptions();
        using var input = Ort.OrtValue.CreateTensorValueFromMemory(values, shape);
        string[] inputNames = [inputName];
        var outputNames = session.OutputNames;
        void RunRaw(Ort.OrtValue value)
        {
            using var results = session.Run(runOptions, inputNames, [value], outputNames);
        }

        foreach (var c in options.Concurrency)
        {
            var raw = await LoadRunner.RunSync(() => RunRaw(input), c, options.Warmup, options.Duration);
            report.Add(name, "raw", c, raw);
            if (options.RawOnly)
                Console.WriteLine(FormattableString.Invariant(
                    $"RAW model={name} c={c} rps={raw.Throughput:F0} p50_us={raw.P50Microseconds:F1} p99_us={raw.P99Microseconds:F1} cpu_us={raw.CpuMicrosecondsPerRequest:F1}"));
        }
        if (options.RawOnly) return;

        // What batching can at best buy: one Run of MaxBatchSize rows, counted per row (throughput and CPU are per row).
        if (dims.Length > 0 && dims[0] < 0)
        {
            var rows = shape.ToArray();
            rows[0] = MaxBatchSize;
            using var stacked = Ort.OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(values, MaxBatchSize).SelectMany(v => v).ToArray(), rows);
            var m = await LoadRunner.RunSync(() => RunRaw(stacked), 1, options.Warmup, options.Duration);
            report.Add(name, $"raw-batch{MaxBatchSize}/row", 1, m with { Throughput = m.Throughput * MaxBatchSize, CpuMicrosecondsPerRequest = m.CpuMicrosecondsPerRequest / MaxBatchSize });
        }

        await Load(node, name, path, batching: false);
        await Load(node, name + "-b", path, batching: true);
        var json = JsonBody(inputName, shape, values);
        var (binary, headerLength) = BinaryBody(inputName, shape, values);

        Func<Task> CallFor(string benchPath)
        {
            var batched = benchPath.EndsWith("+batch", StringComparison.Ordinal);
            var protocol = batched ? benchPath[..^"+batch".Length] : benchPath;
            var model = batched ? name + "-b" : name;
            var grpcRequest = GrpcRequest(model, inputName, shape, values);
            return protocol switch
            {
                "rest-json" => () => PostJson(node, model, json),
                "rest-binary" => () => PostBinary(node, model, binary, headerLength),
                // The node's own path without any transport: validation, queue, batching, Run, split.
                "in-process" => () => node.Executor.InferAsync(model, _ => [tensor], null, CancellationToken.None),
                _ => () => node.KServe.ModelInferAsync(grpcRequest).ResponseAsync,
            };
        }

        // Every path once, before any is measured: the JIT's tiering then no longer favours whichever path runs later.
        foreach (var benchPath in options.Paths) await LoadRunner.RunAsync(CallFor(benchPath), 8, options.Warmup, options.Warmup);

        // Concurrency-major, so each batched path runs right after its unbatched twin: their ratio then compares
        // measurements seconds apart instead of minutes (this shared machine drifts by ±15% over minutes).
        foreach (var c in options.Concurrency)
        {
            foreach (var benchPath in options.Paths)
            {
                var batched = benchPath.EndsWith("+batch", StringComparison.Ordinal);
                using var probe = new BatchSizeProbe(batched ? name + "-b" : name);
                var m = await LoadRunner.RunAsync(CallFor(benchPath), c, options.Warmup, options.Duration);
                report.Add(name, benchPath, c, m, batched ? $"{probe.TakeMean():F1} req/Run" : "");
            }
        }

        await node.Http.DeleteAsync($"/admin/models/{name}");
        await node.Http.DeleteAsync($"/admin/models/{name}-b");
    }

    private static async Task Load(BenchNode node, string model, string path, bool batching)
    {
        var body = JsonSerializer.Serialize(new { location = path, settings = new { maxBatchSize = batching ? MaxBatchSize : 0, maxQueueSize = 4096 } });
        using var response = await node.Http.PutAsync($"/admin/models/{model}", new StringContent(body, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Loading {model}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task PostJson(BenchNode node, string model, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await node.Http.PostAsync($"/v2/models/{model}/infer", content);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
    }

    private static async Task PostBinary(BenchNode node, string model, byte[] body, int headerLength)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await node.Http.PostAsync($"/v2/models/{model}/infer", content);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
    }

    private static byte[] JsonBody(string input, long[] shape, float[] values) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        inputs = new[] { new { name = input, shape, datatype = "FP32", data = values } },
    });

    private static (byte[] Body, int HeaderLength) BinaryBody(string input, long[] shape, float[] values)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new
        {
            inputs = new[] { new { name = input, shape, datatype = "FP32", parameters = new { binary_data_size = values.Length * 4 } } },
            parameters = new { binary_data_output = true },
        });
        return ([.. header, .. MemoryMarshal.AsBytes(values.AsSpan()).ToArray()], header.Length);
    }

    private static ModelInferRequest GrpcRequest(string model, string input, long[] shape, float[] values)
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = "FP32" };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        return request;
    }
}
