using Inference.Service.Runtime;

namespace Inference.Service.Protocol;

/// <summary>KServe v2 datatype names and the ONNX element types they carry.</summary>
public static class DataTypes
{
    public static string? ToKServe(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.String => "BYTES",
        _ => null,
    };

    public static TensorElementType? FromKServe(string? datatype) => datatype switch
    {
        "BOOL" => TensorElementType.Bool,
        "UINT8" => TensorElementType.UInt8,
        "UINT16" => TensorElementType.UInt16,
        "UINT32" => TensorElementType.UInt32,
        "UINT64" => TensorElementType.UInt64,
        "INT8" => TensorElementType.Int8,
        "INT16" => TensorElementType.Int16,
        "INT32" => TensorElementType.Int32,
        "INT64" => TensorElementType.Int64,
        "FP16" => TensorElementType.Float16,
        "BF16" => TensorElementType.BFloat16,
        "FP32" => TensorElementType.Float,
        "FP64" => TensorElementType.Double,
        "BYTES" => TensorElementType.String,
        _ => null,
    };

    /// <summary>The name a person reads in an error: the KServe name when there is one.</summary>
    public static string Describe(TensorElementType type) => ToKServe(type) ?? type.ToString();
}
