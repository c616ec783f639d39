using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Contracts.Inference;
using Google.Protobuf;
using OnnxRuntime;

namespace Inference.Bench;

/// <summary>One model through every path: raw ONNX Runtime, then the node over REST JSON, REST binary and gRPC, batching off and on.</summary>
internal static class ModelBench
{
    private const int MaxBatchSize = 32;

    public static async Task RunAsync(string name, string path, BenchNode node, BenchOptions options, Report report)
    {
        using var session = InferenceSession.FromFile(path, new SessionSettings());
        var spec = session.Inputs[0];
        var shape = spec.Shape.Select(d => d < 0 ? 1L : d).ToArray();
        var count = (int)Tensor.ShapeElementCount(shape);
        var random = new Random(42);
        var values = Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
        var tensor = Tensor.FromArray(spec.Name, shape, values);

        foreach (var c in options.Concurrency)
            report.Add(name, "raw", c, await LoadRunner.RunSync(() => session.Run([tensor]), c, options.Warmup, options.Duration));

        // What batching can at best buy: one Run of MaxBatchSize rows, counted per row (throughput and CPU are per row).
        if (spec.HasDynamicBatchDimension)
        {
            var rows = shape.ToArray();
            rows[0] = MaxBatchSize;
            var stacked = Tensor.FromArray(spec.Name, rows, Enumerable.Repeat(values, MaxBatchSize).SelectMany(v => v).ToArray());
            var m = await LoadRunner.RunSync(() => session.Run([stacked]), 1, options.Warmup, options.Duration);
            report.Add(name, $"raw-batch{MaxBatchSize}/row", 1, m with { Throughput = m.Throughput * MaxBatchSize, CpuMicrosecondsPerRequest = m.CpuMicrosecondsPerRequest / MaxBatchSize });
        }

        await Load(node, name, path, batching: false);
        await Load(node, name + "-b", path, batching: true);
        var json = JsonBody(spec.Name, shape, values);
        var (binary, headerLength) = BinaryBody(spec.Name, shape, values);

        Func<Task> CallFor(string benchPath)
        {
            var batched = benchPath.EndsWith("+batch", StringComparison.Ordinal);
            var protocol = batched ? benchPath[..^"+batch".Length] : benchPath;
            var model = batched ? name + "-b" : name;
            var grpcRequest = GrpcRequest(model, spec.Name, shape, values);
            return protocol switch
            {
                "rest-json" => () => PostJson(node, model, json),
                "rest-binary" => () => PostBinary(node, model, binary, headerLength),
                // The node's own path without any transport: validation, queue, batching, Run, split.
                "in-process" => () => node.Executor.InferAsync(model, _ => [tensor], null, CancellationToken.None),
                _ => () => node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer", grpcRequest),
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
