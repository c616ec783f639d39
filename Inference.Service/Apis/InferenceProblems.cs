using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Apis;

/// <summary>Turns inference failures into RFC 7807 problem details with the status codes of API.md.</summary>
public static class InferenceProblems
{
    public static IResult From(Exception exception) => exception switch
    {
        InvalidInferenceRequestException e => TypedResults.ValidationProblem(e.Errors, title: "The request does not fit the model's inputs."),
        ModelNotFoundException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Unknown model"),
        ModelNotReadyException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Model not ready"),
        QueueFullException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Model overloaded"),
        Scripts.ScriptRunException e => TypedResults.Problem($"run() raised {e.PythonType}: {e.PythonMessage}", statusCode: StatusCodes.Status500InternalServerError,
            title: "The scoring script failed", extensions: new Dictionary<string, object?> { ["exception"] = e.PythonType }),
        Scripts.ScriptTimeoutException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status504GatewayTimeout, title: "The scoring script timed out"),
        Scripts.ScriptMemoryLimitException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError, title: "The scoring script exceeded its memory limit"),
        Scripts.ScriptWorkerLostException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Scoring worker restarting"),
        Scripts.ScriptInitException e => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["script"] = [e.Message] }, title: "The scoring script's init() failed"),
        OperationCanceledException => TypedResults.Problem("The request was cancelled or its deadline passed before it ran.", statusCode: StatusCodes.Status408RequestTimeout, title: "Cancelled"),
        // ONNX Runtime refusing the inputs (e.g. shapes that do not broadcast) is the caller's error; anything else is ours.
        OrtException { ErrorCode: OrtErrorCode.InvalidArgument or OrtErrorCode.InvalidGraph } e =>
            TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "ONNX Runtime rejected the inputs"),
        OrtException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError, title: $"ONNX Runtime error {e.ErrorCode}"),
        NotSupportedException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Not supported"),
        _ => throw exception,
    };

    /// <summary>A failed load: missing files are 404, a model ONNX Runtime refuses is 400 with its message.</summary>
    public static IResult FromLoad(Exception exception) => exception switch
    {
        FileNotFoundException e => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Model files not found"),
        OrtException { ErrorCode: OrtErrorCode.EpFail } e =>
            TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["settings.gpus"] = [e.Message] }, title: "The GPU provider asked for cannot load on this node"),
        OrtException e => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["location"] = [e.Message] }, title: "ONNX Runtime could not load the model"),
        _ => From(exception),
    };
}
