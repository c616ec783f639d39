using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Service.Runtime;

/// <summary>Our <see cref="SessionSettings"/> as ORT's SessionOptions, and the GPU providers appended to them.</summary>
internal static class SessionOptionsFactory
{
    public static Ort.SessionOptions Create(SessionSettings settings)
    {
        var options = new Ort.SessionOptions();
        try
        {
            if (settings.IntraOpThreads > 0) options.IntraOpNumThreads = settings.IntraOpThreads;
            if (settings.InterOpThreads > 0) options.InterOpNumThreads = settings.InterOpThreads;
            options.ExecutionMode = settings.ExecutionMode == ExecutionMode.Parallel ? Ort.ExecutionMode.ORT_PARALLEL : Ort.ExecutionMode.ORT_SEQUENTIAL;
            options.GraphOptimizationLevel = (Ort.GraphOptimizationLevel)(int)settings.OptimizationLevel;
            var spin = settings.AllowSpinning ? "1" : "0";
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
            options.AddSessionConfigEntry("session.inter_op.allow_spinning", spin);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>CUDA (TensorRT in front when asked); throws ORT's error when the provider's libraries cannot load.</summary>
    public static void AppendGpu(Ort.SessionOptions options, SessionSettings settings, int device)
    {
        if (settings.UseTensorRt)
        {
            using var tensorRt = new Ort.OrtTensorRTProviderOptions();
            tensorRt.UpdateOptions(new Dictionary<string, string> { ["device_id"] = device.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            options.AppendExecutionProvider_Tensorrt(tensorRt);
        }
        // ORT copies the provider options on append: they can go at once.
        using var cuda = new Ort.OrtCUDAProviderOptions();
        cuda.UpdateOptions(settings.Cuda.ToProviderOptions(device));
        options.AppendExecutionProvider_CUDA(cuda);
    }
}
