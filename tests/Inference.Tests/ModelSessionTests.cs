using System.Runtime.InteropServices;
using Inference.Tests.Support;
using Inference.Service.Runtime;

namespace Inference.Tests;

/// <summary>Our session over ONNX Runtime's official managed API, against the real native library of the package.</summary>
public sealed class ModelSessionTests
{
    private const string AddModel = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";

    [Fact]
    public void Library_reports_the_packages_version_and_the_cpu_and_cuda_providers()
    {
        Assert.Equal("1.32.0", OrtRuntime.Version);
        Assert.Contains("CPUExecutionProvider", OrtRuntime.AvailableProviders());
        Assert.Contains("CUDAExecutionProvider", OrtRuntime.AvailableProviders());
    }

    [Fact]
    public void Session_from_file_describes_inputs_and_outputs()
    {
        using var session = ModelSession.FromFile(AddModel);
        Assert.Equal(["x", "y"], session.Inputs.Select(i => i.Name));
        Assert.All(session.Inputs, i => Assert.Equal(TensorElementType.Float, i.ElementType));
        Assert.Equal([3L, 4, 5], session.Inputs[0].Shape);
        Assert.Equal("sum", Assert.Single(session.Outputs).Name);
        Assert.Equal(ExecutionProviders.Cpu, session.Provider);
    }

    [Fact]
    public void Symbolic_dimensions_are_reported_by_name()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Identity(1, "batch", 16));
        var input = Assert.Single(session.Inputs);
        Assert.Equal([-1L, 16], input.Shape);
        Assert.Equal(["batch", ""], input.DimensionNames);
        Assert.True(input.HasDynamicBatchDimension);
    }

    [Fact]
    public void Run_adds_two_tensors()
    {
        using var session = ModelSession.FromFile(AddModel);
        var x = Enumerable.Range(0, 60).Select(i => (float)i).ToArray();
        var y = Enumerable.Range(0, 60).Select(i => i * 0.5f).ToArray();
        var result = session.Run([Tensor.FromArray("x", [3, 4, 5], x), Tensor.FromArray("y", [3, 4, 5], y)]);
        var sum = Assert.Single(result).ToArray<float>();
        Assert.Equal(x.Zip(y, (a, b) => a + b), sum);
    }

    [Fact]
    public void An_output_whose_shape_follows_from_the_inputs_is_written_into_a_buffer_we_own()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(4, 3));
        Assert.Equal(1, session.PreallocatedOutputCount);
        var x = Enumerable.Range(0, 20).Select(i => i * 0.25f).ToArray();
        var y = Assert.Single(session.Run([Tensor.FromArray("x", [5, 4], x)]));
        Assert.Equal([5L, 3], y.Shape);

        // A shape that depends on the data (Reshape to a shape given as input): only ORT knows it, and answers as before.
        var reshape = OnnxModelBuilder.Model(
            [OnnxModelBuilder.Node("Reshape", ["x", "shape"], ["y"])],
            [OnnxModelBuilder.Value("x", 1, "n"), OnnxModelBuilder.Value("shape", 7, 2)], [OnnxModelBuilder.Value("y", 1, "rows", "columns")]);
        using var plain = ModelSession.FromBytes(reshape);
        Assert.Equal(0, plain.PreallocatedOutputCount);
        var reshaped = Assert.Single(plain.Run([Tensor.FromArray("x", [20], x), Tensor.FromArray("shape", [2], new long[] { 4, 5 })]));
        Assert.Equal([4L, 5], reshaped.Shape);
        Assert.Equal(x, reshaped.ToArray<float>());
    }

    [Fact]
    public void Outputs_into_our_buffers_and_outputs_only_ort_can_size_mix_in_one_run()
    {
        // "a" follows from the input's "n"; "b" (NonZero) depends on the data, so ORT allocates it (an IoBinding run).
        var model = OnnxModelBuilder.Model(
            [OnnxModelBuilder.Node("Identity", ["x"], ["a"]), OnnxModelBuilder.Node("NonZero", ["x"], ["b"])],
            [OnnxModelBuilder.Value("x", 1, "n", 2)], [OnnxModelBuilder.Value("a", 1, "n", 2), OnnxModelBuilder.Value("b", 7, 2, "k")]);
        using var session = ModelSession.FromBytes(model);
        Assert.Equal(1, session.PreallocatedOutputCount);
        float[] x = [1, 2, 3, 4, 5, 6];
        var outputs = session.Run([Tensor.FromArray("x", [3, 2], x)]);
        Assert.Equal(["a", "b"], outputs.Select(o => o.Name));
        Assert.Equal(x, outputs[0].ToArray<float>());
        Assert.Equal([2L, 6], outputs[1].Shape);
        Assert.Equal([0L, 0, 1, 1, 2, 2, 0, 1, 0, 1, 0, 1], outputs[1].ToArray<long>());
        // Asked in the other order, answered in the order asked.
        var reversed = session.Run([Tensor.FromArray("x", [3, 2], x)], ["b", "a"]);
        Assert.Equal(["b", "a"], reversed.Select(o => o.Name));
        Assert.Equal([2L, 6], reversed[0].Shape);
        Assert.Equal(x, reversed[1].ToArray<float>());
    }

    [Fact]
    public void An_output_that_breaks_its_declared_shape_is_computed_anyway_and_no_longer_preallocated()
    {
        // Concat along dim 0 doubles "n", but the model declares the output as [n, 2].
        var model = OnnxModelBuilder.Model(
            [OnnxModelBuilder.Node("Concat", ["x", "x"], ["y"], new Contracts.Onnx.AttributeProto { Name = "axis", I = 0, Type = Contracts.Onnx.AttributeProto.Types.AttributeType.Int })],
            [OnnxModelBuilder.Value("x", 1, "n", 2)], [OnnxModelBuilder.Value("y", 1, "n", 2)]);
        using var session = ModelSession.FromBytes(model);
        Assert.Equal(1, session.PreallocatedOutputCount);
        float[] x = [1, 2, 3, 4, 5, 6];
        var y = Assert.Single(session.Run([Tensor.FromArray("x", [3, 2], x)]));
        Assert.Equal([6L, 2], y.Shape);
        Assert.Equal([.. x, .. x], y.ToArray<float>());
        Assert.Equal(0, session.PreallocatedOutputCount);
        Assert.Equal([4L, 2], Assert.Single(session.Run([Tensor.FromArray("x", [2, 2], x[..4])])).Shape);
    }

    [Fact]
    public void A_bad_input_still_fails_with_onnx_runtimes_message_when_outputs_are_preallocated()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(4, 3));
        var error = Assert.Throws<OrtException>(() => session.Run([Tensor.FromArray("x", [2, 5], new float[10])]));
        Assert.Equal(OrtErrorCode.InvalidArgument, error.ErrorCode);
        Assert.Equal(1, session.PreallocatedOutputCount);
    }

    public static TheoryData<TensorElementType> NumericTypes() =>
    [
        TensorElementType.Float, TensorElementType.Double, TensorElementType.Float16, TensorElementType.BFloat16,
        TensorElementType.Int8, TensorElementType.UInt8, TensorElementType.Int16, TensorElementType.UInt16,
        TensorElementType.Int32, TensorElementType.UInt32, TensorElementType.Int64, TensorElementType.UInt64, TensorElementType.Bool,
    ];

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Every_numeric_type_and_bool_round_trips_through_identity(TensorElementType type)
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Identity((int)type, "batch", 3));
        var bytes = new byte[2 * 3 * type.ElementSize()];
        new Random((int)type).NextBytes(bytes);
        if (type == TensorElementType.Bool) bytes = bytes.Select(b => (byte)(b & 1)).ToArray();
        var output = Assert.Single(session.Run([Tensor.FromBytes("x", type, [2, 3], bytes)]));
        Assert.Equal(type, output.ElementType);
        Assert.Equal([2L, 3], output.Shape);
        Assert.Equal(bytes, output.Data.ToArray());
    }

    [Fact]
    public void Strings_round_trip_through_identity()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Identity(8, "batch"));
        string[] values = ["", "hello", "naïve ☃", new string('x', 1000)];
        var output = Assert.Single(session.Run([Tensor.FromStrings("x", [4], values)]));
        Assert.Equal(values, output.Strings);
    }

    [Fact]
    public void Empty_tensors_run()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Identity(1, "batch", 4));
        var output = Assert.Single(session.Run([Tensor.FromBytes("x", TensorElementType.Float, [0, 4], Array.Empty<byte>())]));
        Assert.Equal([0L, 4], output.Shape);
    }

    [Fact]
    public void A_model_that_is_not_protobuf_fails_with_onnx_runtimes_code_and_message()
    {
        var error = Assert.Throws<OrtException>(() => ModelSession.FromBytes("not a model"u8.ToArray()));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, error.ErrorCode);
        Assert.Contains("protobuf", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_file_fails_with_no_such_file()
    {
        var error = Assert.Throws<OrtException>(() => ModelSession.FromFile("/nonexistent/model.onnx"));
        Assert.Equal(OrtErrorCode.NoSuchFile, error.ErrorCode);
        Assert.Contains("/nonexistent/model.onnx", error.Message);
    }

    [Fact]
    public void Run_with_a_wrong_shape_surfaces_onnx_runtimes_message()
    {
        using var session = ModelSession.FromFile(AddModel);
        var error = Assert.Throws<OrtException>(() => session.Run(
            [Tensor.FromArray("x", [2, 2], new float[4]), Tensor.FromArray("y", [3, 4, 5], new float[60])]));
        Assert.Equal(OrtErrorCode.InvalidArgument, error.ErrorCode);
        Assert.Contains("x", error.Message);
    }

    [Fact]
    public void Session_settings_are_accepted()
    {
        var settings = new SessionSettings
        {
            IntraOpThreads = 1, InterOpThreads = 2, ExecutionMode = ExecutionMode.Parallel,
            AllowSpinning = true, OptimizationLevel = GraphOptimizationLevel.Basic,
        };
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(8, 4), settings);
        var output = Assert.Single(session.Run([Tensor.FromArray("x", [2, 8], new float[16])]));
        Assert.Equal([2L, 4], output.Shape);
    }

    [Fact]
    public void Requesting_a_gpu_without_cuda_libraries_falls_back_to_cpu_when_allowed_and_says_why()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(8, 4), new SessionSettings { CudaDeviceId = 0, AllowCpuFallback = true });
        Assert.Equal(ExecutionProviders.Cpu, session.Provider);
        Assert.NotNull(session.ProviderFallbackReason);
        Assert.Contains("CUDA", session.ProviderFallbackReason);
        // The cause ORT only logs (here a missing CUDA library, e.g. libcublasLt.so.13), not just "Failed to load shared library".
        Assert.Contains("cannot open shared object file", session.ProviderFallbackReason);
        Assert.Single(session.Run([Tensor.FromArray("x", [1, 8], new float[8])]));
    }

    [Fact]
    public void A_cancelled_token_terminates_the_run_inside_onnx_runtime()
    {
        // 64 layers of 1024×1024 on 256 rows with one thread: seconds of work, stopped by RunOptions.Terminate.
        using var session = ModelSession.FromBytes(OnnxModelBuilder.DeepChain(1024, 64, seed: 3), new SessionSettings { IntraOpThreads = 1 });
        var input = Tensor.FromArray("x", [256, 1024], new float[256 * 1024]);
        using var before = new CancellationTokenSource();
        before.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run([input], cancellation: before.Token));

        using var during = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var error = Assert.ThrowsAny<OperationCanceledException>(() => session.Run([input], cancellation: during.Token));
        Assert.IsType<OrtException>(error.InnerException);
        // The session serves on after a terminated run.
        Assert.Equal([1L, 1024], Assert.Single(session.Run([Tensor.FromArray("x", [1, 1024], new float[1024])])).Shape);
    }

    [Fact]
    public void Requesting_a_gpu_without_cuda_libraries_and_no_fallback_fails_with_the_reason()
    {
        var error = Assert.Throws<OrtException>(() => ModelSession.FromBytes(OnnxModelBuilder.Dense(8, 4), new SessionSettings { CudaDeviceId = 0 }));
        Assert.Equal(OrtErrorCode.EpFail, error.ErrorCode);
        Assert.Contains("CUDA execution provider unavailable on device 0", error.Message);
        Assert.Contains("cannot open shared object file", error.Message);
    }

    [Fact]
    public void Tensor_rt_asked_for_without_its_libraries_falls_back_to_cpu_when_allowed()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(8, 4),
            new SessionSettings { CudaDeviceId = 0, UseTensorRt = true, AllowCpuFallback = true });
        Assert.Equal(ExecutionProviders.Cpu, session.Provider);
        Assert.Contains("TensorRT", session.ProviderFallbackReason);
    }

    [Fact]
    public void The_gpu_inventory_reads_nvidia_smis_csv()
    {
        var devices = GpuInventory.Parse("0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA L4, 23034\n\n");
        Assert.Equal([new GpuDevice(0, "NVIDIA H100 80GB HBM3", 81559L << 20), new GpuDevice(1, "NVIDIA L4", 23034L << 20)], devices);
    }

    [Fact]
    public async Task Concurrent_runs_on_one_session_all_get_their_own_answers()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(32, 8));
        var single = new Func<float, float[]>(seed => session.Run([Tensor.FromArray("x", [1, 32], Enumerable.Range(0, 32).Select(i => seed + i).ToArray())])[0].ToArray<float>());
        var expected = Enumerable.Range(0, 16).Select(s => single(s)).ToArray();

        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                var seed = (t * 7 + i) % 16;
                Assert.Equal(expected[seed], single(seed));
            }
        }));
        await Task.WhenAll(tasks);
    }
}
