using System.Text.RegularExpressions;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Inference.Service.Runtime;

/// <summary>ONNX Runtime's OrtErrorCode (the C API's numbers; the managed package keeps its own enum internal).</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
    DeviceReset = 15,
}

/// <summary>An error ONNX Runtime reported, with its code and its own message; the protocols map the code to a status.</summary>
public sealed class OrtException(OrtErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public OrtErrorCode ErrorCode { get; } = code;
}

internal static partial class OrtErrors
{
    // The managed package keeps the code private and writes it into the message: "[ErrorCode:InvalidArgument] text".
    [GeneratedRegex(@"^\[ErrorCode:(?<code>[^\]]+)\]\s*(?<text>.*)$", RegexOptions.Singleline)]
    private static partial Regex CodedMessage();

    // The managed enum (internal) names codes 0-10 as we do, 11 and 12 by older meanings, and later ones by number.
    private static OrtErrorCode Parse(string code) => code switch
    {
        "ShapeInferenceNotRegistered" => OrtErrorCode.EpFail,
        "RequirementNotRegistered" => OrtErrorCode.ModelLoadCanceled,
        _ => Enum.TryParse<OrtErrorCode>(code, out var parsed) ? parsed : OrtErrorCode.Fail,
    };

    /// <summary>The managed package's exception as ours: its code (by number) and its message without the prefix.</summary>
    public static OrtException From(Ort.OnnxRuntimeException e)
    {
        var match = CodedMessage().Match(e.Message);
        if (!match.Success) return new OrtException(OrtErrorCode.Fail, e.Message, e);
        return new OrtException(Parse(match.Groups["code"].Value), match.Groups["text"].Value, e);
    }
}
