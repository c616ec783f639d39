using Microsoft.Extensions.Options;
using OnnxRuntime;

namespace Inference.Service.Extensions;

/// <summary>Loads the ONNX Runtime library when the node starts, so a wrong path shows at once (and in /v2/health/ready) rather than at the first model.</summary>
internal sealed class RuntimeLoader(IOptions<InferenceOptions> options, ILogger<RuntimeLoader> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            OrtLibrary.EnsureLoaded(options.Value.OrtLibraryPath);
            logger.LogInformation("ONNX Runtime {Version} loaded from {Path}; node {Node}", OrtLibrary.Version, OrtLibrary.LoadedFrom, options.Value.NodeName);
        }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            // The node stays up to report the problem through its status; it is not ready.
            logger.LogError("ONNX Runtime could not be loaded: {Error}", e.Message);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
