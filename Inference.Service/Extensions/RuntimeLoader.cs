using Inference.Service.Runtime;
using Microsoft.Extensions.Options;

namespace Inference.Service.Extensions;

/// <summary>
/// Creates ONNX Runtime's environment when the node starts, so a broken install shows at once (and in /v2/health/ready)
/// rather than at the first model, and ORT's own log reaches ours from the start.
/// </summary>
internal sealed class RuntimeLoader(IOptions<InferenceOptions> options, ILogger<RuntimeLoader> logger, ILoggerFactory loggers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        OrtRuntime.Logger = loggers.CreateLogger("OnnxRuntime");
        try
        {
            logger.LogInformation("ONNX Runtime {Version} loaded (providers {Providers}); node {Node}",
                OrtRuntime.Version, string.Join(", ", OrtRuntime.AvailableProviders()), options.Value.NodeName);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            // The node stays up to report the problem through its status; it is not ready.
            logger.LogError("ONNX Runtime could not be loaded: {Error}", e.Message);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
