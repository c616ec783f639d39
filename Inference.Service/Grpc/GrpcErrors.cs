using Grpc.Core;
using Inference.Service.Models;
using Inference.Service.Runtime;

namespace Inference.Service.Grpc;

/// <summary>Inference failures as gRPC statuses (ARCHITECTURE.md's codes).</summary>
internal static class GrpcErrors
{
    public static RpcException From(Exception exception) => exception switch
    {
        RpcException e => e,
        Scripts.ScriptInitException e => new RpcException(new Status(StatusCode.InvalidArgument, e.Message)),
        Scripts.ScriptRunException e => new RpcException(new Status(StatusCode.Internal, $"run() raised {e.Message}")),
        Scripts.ScriptTimeoutException e => new RpcException(new Status(StatusCode.DeadlineExceeded, e.Message)),
        Scripts.ScriptMemoryLimitException e => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message)),
        Scripts.ScriptWorkerLostException e => new RpcException(new Status(StatusCode.Unavailable, e.Message)),
        InvalidInferenceRequestException e => new RpcException(new Status(StatusCode.InvalidArgument, e.Message)),
        ModelNotFoundException e => new RpcException(new Status(StatusCode.NotFound, e.Message)),
        ModelNotReadyException e => new RpcException(new Status(StatusCode.Unavailable, e.Message)),
        QueueFullException e => new RpcException(new Status(StatusCode.ResourceExhausted, e.Message)),
        FileNotFoundException e => new RpcException(new Status(StatusCode.NotFound, e.Message)),
        OperationCanceledException => new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled or its deadline passed before it ran.")),
        OrtException { ErrorCode: OrtErrorCode.InvalidArgument or OrtErrorCode.InvalidGraph } e => new RpcException(new Status(StatusCode.InvalidArgument, e.Message)),
        OrtException e => new RpcException(new Status(StatusCode.Internal, $"ONNX Runtime error {e.ErrorCode}: {e.Message}")),
        NotSupportedException e => new RpcException(new Status(StatusCode.InvalidArgument, e.Message)),
        _ => new RpcException(new Status(StatusCode.Internal, exception.Message)),
    };

    /// <summary>A failed load: ONNX Runtime's own words say what is wrong with the model.</summary>
    public static RpcException FromLoad(string model, Exception exception) => exception switch
    {
        // The model is fine; this node cannot give it the GPU asked for (and CPU fallback was not allowed).
        OrtException { ErrorCode: OrtErrorCode.EpFail } e => new RpcException(new Status(StatusCode.FailedPrecondition, $"Model '{model}' was not loaded: {e.Message}")),
        OrtException e => new RpcException(new Status(StatusCode.InvalidArgument, $"ONNX Runtime could not load model '{model}': {e.Message}")),
        _ => From(exception),
    };
}
