using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Contracts.Clients;
using Contracts.Inference;
using Contracts.Node.V1;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Inference.Tests.Support;
using Inference.Service.Runtime;

namespace Inference.Tests;

/// <summary>The node's public interfaces: node.v1 control, KServe v2 REST and gRPC, Azure ML scoring, batching and back-pressure.</summary>
public sealed class InferenceNodeApiTests(InferenceNodeHost node) : IClassFixture<InferenceNodeHost>
{
    private const string AddModel = "/usr/share/libonnx-testdata/data/node/test_add";
    private readonly InferenceNodeClient _control = new(node.Grpc, node.Credential.AuthorizationHeader);

    private async Task<ModelStatus> Load(string name, string location, Contracts.Node.V1.ModelSettings? settings = null) =>
        (await _control.LoadModelAsync(new LoadModelRequest { ModelName = name, Location = location, Settings = settings, ModelVersion = name + ":1" })).Model;

    private static string DenseModel(int inputs, int outputs, int seed = 7) => OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(inputs, outputs, seed), $"dense{inputs}x{outputs}");

    private static float[] Floats(int count, int seed) => Enumerable.Range(0, count).Select(i => MathF.Sin(seed * 31 + i)).ToArray();

    private static object Input(string name, long[] shape, string datatype, Array data) => new { name, shape, datatype, data };

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostJson(string path, object body)
    {
        using var response = await node.Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    [Fact]
    public async Task Kserve_rest_infers_and_describes_the_model()
    {
        await Load("rest-add", AddModel);
        var metadata = await node.Http.GetFromJsonAsync<JsonElement>("/v2/models/rest-add");
        Assert.Equal("FP32", metadata.GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal("[3,4,5]", metadata.GetProperty("inputs")[0].GetProperty("shape").GetRawText());
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/v2/models/rest-add/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/v2/health/ready")).StatusCode);

        var x = Floats(60, 1);
        var y = Floats(60, 2);
        var (status, body) = await PostJson("/v2/models/rest-add/infer", new { inputs = new[] { Input("x", [3, 4, 5], "FP32", x), Input("y", [3, 4, 5], "FP32", y) } });
        Assert.Equal(HttpStatusCode.OK, status);
        var sum = body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(x.Zip(y, (a, b) => a + b), sum);
    }

    [Fact]
    public async Task Validation_errors_name_the_input_and_what_was_expected()
    {
        await Load("validate-add", AddModel);
        var good = Floats(60, 3);

        var (status, body) = await PostJson("/v2/models/validate-add/infer", new { inputs = new[] { Input("x", [3, 4, 5], "FP32", good) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("missing", body.GetProperty("errors").GetProperty("y")[0].GetString());

        (status, body) = await PostJson("/v2/models/validate-add/infer", new { inputs = new[] { Input("x", [3, 4, 5], "FP32", good), Input("y", [3, 4, 5], "FP32", good), Input("z", [1], "FP32", new[] { 1f }) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no input named 'z'", body.GetProperty("errors").GetProperty("z")[0].GetString());

        (status, body) = await PostJson("/v2/models/validate-add/infer", new { inputs = new[] { Input("x", [3, 4, 5], "INT64", new long[60]), Input("y", [3, 4, 5], "FP32", good) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Expected datatype FP32, got INT64", body.GetProperty("errors").GetProperty("x")[0].GetString());

        (status, body) = await PostJson("/v2/models/validate-add/infer", new { inputs = new[] { Input("x", [60], "FP32", good), Input("y", [3, 4, 5], "FP32", good) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Expected rank 3", body.GetProperty("errors").GetProperty("x")[0].GetString());

        (status, body) = await PostJson("/v2/models/validate-add/infer", new { inputs = new[] { Input("x", [3, 5, 4], "FP32", good), Input("y", [3, 4, 5], "FP32", good) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Dimension 1 must be 4", body.GetProperty("errors").GetProperty("x")[0].GetString());

        var grpc = await Assert.ThrowsAsync<RpcException>(() => node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>(
            "/inference.GRPCInferenceService/ModelInfer",
            WireTensors.GrpcRequest("validate-add", [Tensor.FromArray("x", [3, 4, 5], good), Tensor.FromArray("y", [2, 4, 5], new float[40])])));
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Contains("y: Dimension 0 must be 3", grpc.Status.Detail);

        Assert.Equal(HttpStatusCode.NotFound, (await PostJson("/v2/models/nope/infer", new { inputs = Array.Empty<object>() })).Status);
        var missing = await Assert.ThrowsAsync<RpcException>(() => node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>(
            "/inference.GRPCInferenceService/ModelInfer", new ModelInferRequest { ModelName = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Binary_tensor_extension_carries_inputs_and_outputs_as_raw_bytes()
    {
        await Load("binary-add", AddModel);
        var x = Floats(60, 4);
        var y = Floats(60, 5);
        var header = JsonSerializer.SerializeToUtf8Bytes(new
        {
            inputs = new object[]
            {
                new { name = "x", shape = new[] { 3, 4, 5 }, datatype = "FP32", parameters = new { binary_data_size = 240 } },
                new { name = "y", shape = new[] { 3, 4, 5 }, datatype = "FP32", data = y },
            },
            outputs = new[] { new { name = "sum", parameters = new { binary_data = true } } },
        });
        var body = header.Concat(MemoryMarshal.AsBytes(x.AsSpan()).ToArray()).ToArray();
        using var content = new ByteArrayContent(body);
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString());
        using var response = await node.Http.PostAsync("/v2/models/binary-add/infer", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jsonLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var json = JsonDocument.Parse(bytes.AsMemory(0, jsonLength)).RootElement;
        Assert.Equal(240, json.GetProperty("outputs")[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(x.Zip(y, (a, b) => a + b), MemoryMarshal.Cast<byte, float>(bytes.AsSpan(jsonLength)).ToArray());
    }

    [Fact]
    public async Task Azure_ml_score_takes_nested_arrays_batch_first()
    {
        await Load("score-dense", DenseModel(4, 3));
        var rows = new[] { new[] { 1f, 2f, 3f, 4f }, new[] { -1f, 0.5f, 0f, 2f } };
        using var response = await node.Http.PostAsJsonAsync("/models/score-dense/score", new { data = rows });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<float[][]>();
        Assert.NotNull(answer);
        Assert.Equal(2, answer.Length);
        Assert.All(answer, row => Assert.Equal(3, row.Length));

        // The same rows one at a time give the same answers.
        for (var r = 0; r < rows.Length; r++)
        {
            using var single = await node.Http.PostAsJsonAsync("/models/score-dense/score", new { data = new[] { rows[r] } });
            var one = (await single.Content.ReadFromJsonAsync<float[][]>())!;
            Assert.Equal(answer[r], one[0]);
        }

        using var ragged = await node.Http.PostAsync("/models/score-dense/score",
            new StringContent("""{"data": [[1,2,3,4],[1,2]]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, ragged.StatusCode);
        Assert.Contains("Ragged", await ragged.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Json_answers_carry_their_length_instead_of_chunks()
    {
        await Load("score-length", DenseModel(4, 3));
        using var response = await node.Http.PostAsJsonAsync("/models/score-length/score", new { data = new[] { new[] { 1f, 2f, 3f, 4f } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, JsonDocument.Parse(bytes).RootElement[0].GetArrayLength());

        // The next answer on the same thread's buffer is whole too, not the previous one's tail.
        using var second = await node.Http.PostAsJsonAsync("/models/score-length/score", new { data = new[] { new[] { 0f, 0f, 0f, 0f }, new[] { 1f, 1f, 1f, 1f } } });
        var secondBytes = await second.Content.ReadAsByteArrayAsync();
        Assert.Equal(secondBytes.Length, second.Content.Headers.ContentLength);
        Assert.Equal(2, JsonDocument.Parse(secondBytes).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_model_that_fails_to_load_reports_onnx_runtimes_reason_and_the_node_keeps_serving()
    {
        await Load("survivor", AddModel);
        var broken = OnnxModelBuilder.WriteTemp("definitely not onnx"u8.ToArray(), "broken");
        var error = await Assert.ThrowsAsync<RpcException>(() => Load("broken", broken));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("protobuf", error.Status.Detail, StringComparison.OrdinalIgnoreCase);

        var list = await _control.ListModelsAsync();
        var failed = list.Models.Single(m => m.ModelName == "broken");
        Assert.Equal(Contracts.Node.V1.ModelState.Failed, failed.State);
        Assert.Contains("protobuf", failed.Error, StringComparison.OrdinalIgnoreCase);

        var notFound = await Assert.ThrowsAsync<RpcException>(() => Load("ghost", "/nonexistent/folder"));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);

        var response = await node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer",
            WireTensors.GrpcRequest("survivor", [Tensor.FromArray("x", [3, 4, 5], new float[60]), Tensor.FromArray("y", [3, 4, 5], Floats(60, 6))]));
        Assert.Equal(Floats(60, 6), WireTensors.ReadGrpcResponse(response)[0].ToArray<float>());
    }

    [Fact]
    public async Task Asking_for_a_gpu_without_cuda_falls_back_to_cpu_and_reports_it()
    {
        var status = await Load("gpu-dense", DenseModel(8, 2), new Contracts.Node.V1.ModelSettings { Gpus = 1, GpuDeviceId = 0, AllowCpuFallback = true });
        Assert.Equal(Contracts.Node.V1.ModelState.Ready, status.State);
        Assert.Equal("CPU", status.Provider);
        Assert.Equal("onnxruntime", status.Runtime.Name);
        Assert.Equal("1.32.0", status.Runtime.Version);
        Assert.Equal("CPU", status.Runtime.ExecutionProvider);
        Assert.Contains("libonnxruntime_providers_cuda.so", status.Runtime.FallbackReason);
        Assert.Contains("CUDA", status.Error);
        // ORT's exception says only "Failed to load shared library"; the cause comes from its log.
        Assert.Contains(".so", status.Error);

        var node1 = await _control.GetNodeStatusAsync();
        Assert.Equal("inference-test", node1.NodeName);
        Assert.Equal(Environment.ProcessorCount, node1.Capacity.CpuCores);
        Assert.True(node1.Capacity.MemoryBytes > 0);
        Assert.Equal("1.32.0", node1.RuntimeVersion);
        // GPUs are offered only when the driver lists them and ORT's CUDA provider loads: never on a machine without CUDA.
        Assert.Equal(node1.Capacity.Gpus, node1.Capacity.GpuDevices.Count);
        if (!File.Exists("/usr/bin/nvidia-smi")) Assert.Equal(0, node1.Capacity.Gpus);
        if (node1.Capacity.Gpus == 0) Assert.NotEmpty(node1.Capacity.GpuUnavailableReason);
        Assert.Contains(node1.Models, m => m.ModelName == "gpu-dense" && m.Provider == "CPU");

        using var response = await node.Http.PostAsJsonAsync("/models/gpu-dense/score", new { data = new[] { new float[8] } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Asking_for_a_gpu_without_cuda_and_without_fallback_is_refused_with_the_reason()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Load("gpu-strict", DenseModel(8, 2), new Contracts.Node.V1.ModelSettings { Gpus = 1 }));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("CUDA execution provider unavailable", error.Status.Detail);
        var status = (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == "gpu-strict");
        Assert.Equal(Contracts.Node.V1.ModelState.Failed, status.State);
        Assert.Contains("cannot open shared object file", status.Error);
    }

    [Fact]
    public async Task Batched_answers_equal_unbatched_answers()
    {
        var path = DenseModel(64, 16, seed: 11);
        await Load("unbatched", path);
        await Load("batched", path, new Contracts.Node.V1.ModelSettings { MaxBatchSize = 32, MaxQueueDelayUs = 20_000 });

        long largestBatch = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Platform.Inference" && instrument.Name == "platform.inference.batch.size") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "model" && (string?)tag.Value == "batched") InterlockedMax(ref largestBatch, value);
        });
        listener.Start();

        var requests = Enumerable.Range(0, 24).Select(i => (Rows: 1 + i % 3, Data: Floats((1 + i % 3) * 64, i))).ToArray();
        async Task<float[]> Infer(string model, (int Rows, float[] Data) r)
        {
            var response = await node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer",
                WireTensors.GrpcRequest(model, [Tensor.FromArray("x", [r.Rows, 64], r.Data)]));
            var output = WireTensors.ReadGrpcResponse(response)[0];
            Assert.Equal([(long)r.Rows, 16], output.Shape);
            return output.ToArray<float>();
        }

        var batched = await Task.WhenAll(requests.Select(r => Infer("batched", r)));
        var unbatched = await Task.WhenAll(requests.Select(r => Infer("unbatched", r)));
        for (var i = 0; i < requests.Length; i++)
            for (var j = 0; j < batched[i].Length; j++)
                Assert.True(Math.Abs(batched[i][j] - unbatched[i][j]) <= 1e-5 + 1e-4 * Math.Abs(unbatched[i][j]), $"request {i} element {j}: {batched[i][j]} vs {unbatched[i][j]}");

        listener.RecordObservableInstruments();
        Assert.True(Interlocked.Read(ref largestBatch) > 1, "the batcher never merged requests");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    [Fact]
    public async Task A_full_queue_answers_429_and_resource_exhausted()
    {
        // Slow enough (8 layers of 1024×1024 on 64 rows, one thread) that requests pile up behind the one computing; small on the wire.
        await Load("slow", OnnxModelBuilder.WriteTemp(OnnxModelBuilder.DeepChain(1024, 8), "deep"),
            new Contracts.Node.V1.ModelSettings { MaxBatchSize = 4, MaxQueueSize = 2, IntraOpThreads = 1 });
        var input = Floats(64 * 1024, 9);
        // The binary tensor extension keeps parsing negligible beside compute, so on a fast, quiet machine the requests
        // still arrive faster than the model drains them (with JSON the parse of 64K numbers could keep pace).
        var header = JsonSerializer.SerializeToUtf8Bytes(new
        {
            inputs = new[] { new { name = "x", shape = new[] { 64, 1024 }, datatype = "FP32", parameters = new { binary_data_size = input.Length * 4 } } },
        });
        var body = header.Concat(MemoryMarshal.AsBytes(input.AsSpan()).ToArray()).ToArray();

        var rest = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString());
            using var response = await node.Http.PostAsync("/v2/models/slow/infer", content);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)) Console.WriteLine(await response.Content.ReadAsStringAsync());
            return response.StatusCode;
        }));
        Assert.True(rest.Contains(HttpStatusCode.OK) && rest.Contains(HttpStatusCode.TooManyRequests), "REST answers: " + string.Join(", ", rest));

        var grpc = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            try
            {
                await node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer",
                    WireTensors.GrpcRequest("slow", [Tensor.FromArray("x", [64, 1024], input)]));
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));
        Assert.True(grpc.Contains(StatusCode.OK) && grpc.Contains(StatusCode.ResourceExhausted), "gRPC answers: " + string.Join(", ", grpc));
    }

    [Theory]
    [InlineData(2, "deadline-queue")]
    [InlineData(0, "deadline-executor")]
    public async Task A_request_whose_deadline_passes_while_it_waits_is_dropped_not_computed(int queuedAhead, string model)
    {
        // queuedAhead 2: it waits in the queue behind two others. queuedAhead 0: the dispatcher has already taken it and
        // waits for an executor to free up, which can also outlast a deadline.
        await Load(model, OnnxModelBuilder.WriteTemp(OnnxModelBuilder.DeepChain(1024, 64, seed: 6), "deep"),
            new Contracts.Node.V1.ModelSettings { MaxBatchSize = 4, MaxQueueSize = 16, IntraOpThreads = 1 });
        var runs = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Platform.Inference" && instrument.Name == "platform.inference.compute.duration") l.EnableMeasurementEvents(instrument);
        };
        // Runs computed to the end. On a loaded machine the expiring request may already hold an executor when its
        // deadline passes: then ONNX Runtime stops it mid-run ("terminated"), which is as good as never computing it.
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            bool ours = false, completed = false;
            foreach (var tag in tags)
            {
                if (tag.Key == "model" && (string?)tag.Value == model) ours = true;
                if (tag.Key == "outcome" && (string?)tag.Value == "completed") completed = true;
            }
            if (ours && completed) Interlocked.Increment(ref runs);
        });
        listener.Start();

        ModelInferRequest Request() => WireTensors.GrpcRequest(model, [Tensor.FromArray("x", [64, 1024], Floats(64 * 1024, 10))]);
        const string method = "/inference.GRPCInferenceService/ModelInfer";
        // Long runs (64 layers of 1024×1024 on 64 rows, one thread: far beyond the 50 ms deadline) keep every executor
        // busy (one per core at one intra-op thread); queuedAhead more wait behind them.
        var executors = Environment.ProcessorCount;
        var busy = Enumerable.Range(0, executors + queuedAhead).Select(_ => node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>(method, Request())).ToArray();
        for (var i = 0; i < 500; i++)
        {
            var status = (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == model);
            if (status.InFlight == executors && status.Queued >= queuedAhead) break;
            await Task.Delay(10);
        }
        var expired = await Assert.ThrowsAsync<RpcException>(() => node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>(method, Request(),
            new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(50))));
        Assert.True(expired.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled, expired.Status.ToString());
        await Task.WhenAll(busy);
        await node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>(method, Request());

        // 64 rows exceed max_batch_size 4, so each request runs alone: the busy ones and the last one, never the expired one.
        Assert.Equal(busy.Length + 1, Volatile.Read(ref runs));
        Assert.Equal(0, (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == model).Queued);
    }

    [Fact]
    public async Task Unloading_a_model_makes_it_unknown()
    {
        await Load("temporary", AddModel);
        Assert.True((await _control.UnloadModelAsync("temporary")).Unloaded);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/v2/models/temporary")).StatusCode);
        var again = await Assert.ThrowsAsync<RpcException>(() => _control.UnloadModelAsync("temporary"));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }
}
