using System.Diagnostics;
using Inference.Service.Diagnostics;
using Inference.Service.Protocol;
using Inference.Service.Runtime;

namespace Inference.Service.Models;

/// <summary>The one path every protocol takes: find the model, validate, queue, run, measure.</summary>
public sealed class InferenceExecutor(ModelRepository models, InferenceMetrics metrics)
{
    public async Task<(LoadedModel Model, Tensor[] Outputs)> InferAsync(string modelName, Func<LoadedModel, Tensor[]> decode,
        IReadOnlyList<string>? outputs, CancellationToken cancellation)
    {
        var model = models.GetReady(modelName);
        if (model.Scripts is not null)
            throw new NotSupportedException($"Model '{modelName}' is served by a scoring script, which takes requests on /score (Azure ML's protocol), not as tensors.");
        var started = Stopwatch.GetTimestamp();
        var counts = metrics.RequestStarted(modelName);
        string? failure = null;
        try
        {
            var inputs = decode(model);
            RequestValidator.Validate(model.Inputs, inputs, outputs, model.Outputs);
            return (model, await model.Scheduler!.InferAsync(inputs, outputs, cancellation));
        }
        catch (Exception e)
        {
            failure = e.GetType().Name;
            throw;
        }
        finally
        {
            metrics.RequestFinished(counts, started, failure);
        }
    }

    /// <summary>A scoring-script model's path: a worker of its pool runs run() on the request.</summary>
    public async Task<Scripts.ScriptAnswer> RunScriptAsync(string modelName, Scripts.ScriptCall call, CancellationToken cancellation)
    {
        var model = models.GetReady(modelName);
        if (model.Scripts is null) throw new NotSupportedException($"Model '{modelName}' is an ONNX model, not a scoring script.");
        var started = Stopwatch.GetTimestamp();
        var counts = metrics.RequestStarted(modelName);
        string? failure = null;
        try
        {
            return await model.Scripts.Pick().RunAsync(call, cancellation);
        }
        catch (Exception e)
        {
            failure = e.GetType().Name;
            throw;
        }
        finally
        {
            metrics.RequestFinished(counts, started, failure);
        }
    }
}
