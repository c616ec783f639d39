using Inference.Service.Models;
using Inference.Service.Runtime;
using ServiceDefaults.Http;

namespace Inference.Service.Apis;

/// <summary>Which problem (ServiceDefaults' <see cref="Problems"/>) each inference failure is, with the status codes of API.md.</summary>
public static class InferenceProblems
{
    public static IResult From(Exception exception) => exception switch
    {
        InvalidInferenceRequestException e => Problems.Invalid(e.Errors, "The request does not fit the model's inputs."),
        ModelNotFoundException e => Problems.NotFound(e.Message, "Unknown model"),
        ModelNotReadyException e => Problems.Unavailable(e.Message, "Model not ready"),
        QueueFullException e => Problems.Status(StatusCodes.Status429TooManyRequests, e.Message, "Model overloaded"),
        Scripts.ScriptRunException e => Problems.Status(StatusCodes.Status500InternalServerError, $"run() raised {e.PythonType}: {e.PythonMessage}",
            "The scoring script failed", new Dictionary<string, object?> { ["exception"] = e.PythonType }),
        Scripts.ScriptTimeoutException e => Problems.Status(StatusCodes.Status504GatewayTimeout, e.Message, "The scoring script timed out"),
        Scripts.ScriptMemoryLimitException e => Problems.Status(StatusCodes.Status500InternalServerError, e.Message, "The scoring script exceeded its memory limit"),
        Scripts.ScriptWorkerLostException e => Problems.Unavailable(e.Message, "Scoring worker restarting"),
        Scripts.ScriptInitException e => Problems.Invalid("script", e.Message, "The scoring script's init() failed"),
        OperationCanceledException => Problems.TimedOut("The request was cancelled or its deadline passed before it ran.", "Cancelled"),
        // ONNX Runtime refusing the inputs (e.g. shapes that do not broadcast) is the caller's error; anything else is ours.
        OrtException { ErrorCode: OrtErrorCode.InvalidArgument or OrtErrorCode.InvalidGraph } e =>
            Problems.Status(StatusCodes.Status400BadRequest, e.Message, "ONNX Runtime rejected the inputs"),
        OrtException e => Problems.Status(StatusCodes.Status500InternalServerError, e.Message, $"ONNX Runtime error {e.ErrorCode}"),
        NotSupportedException e => Problems.Status(StatusCodes.Status400BadRequest, e.Message, "Not supported"),
        _ => throw exception,
    };

    /// <summary>A failed load: missing files are 404, a model ONNX Runtime refuses is 400 with its message.</summary>
    public static IResult FromLoad(Exception exception) => exception switch
    {
        FileNotFoundException e => Problems.NotFound(e.Message, "Model files not found"),
        OrtException { ErrorCode: OrtErrorCode.EpFail } e =>
            Problems.Invalid("settings.gpus", e.Message, "The GPU provider asked for cannot load on this node"),
        OrtException e => Problems.Invalid("location", e.Message, "ONNX Runtime could not load the model"),
        _ => From(exception),
    };
}
