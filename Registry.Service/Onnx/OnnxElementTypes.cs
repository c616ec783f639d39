namespace Registry.Service.Onnx;

/// <summary>Names of ONNX element types (TensorProto.DataType values) in ONNX's notation and KServe v2's.</summary>
public static class OnnxElementTypes
{
    private static readonly string[] OnnxNames =
    [
        "undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool", "float16", "double",
        "uint32", "uint64", "complex64", "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
        "float8e5m2fnuz", "uint4", "int4", "float4e2m1", "float8e8m0",
    ];

    // The Open Inference Protocol names only these; the other ONNX types have no KServe datatype.
    private static readonly Dictionary<int, string> KServeNames = new()
    {
        [1] = "FP32", [2] = "UINT8", [3] = "INT8", [4] = "UINT16", [5] = "INT16", [6] = "INT32", [7] = "INT64",
        [8] = "BYTES", [9] = "BOOL", [10] = "FP16", [11] = "FP64", [12] = "UINT32", [13] = "UINT64", [16] = "BF16",
    };

    public static string OnnxName(int elemType) =>
        elemType >= 0 && elemType < OnnxNames.Length ? OnnxNames[elemType] : $"type{elemType}";

    public static string? KServeName(int elemType) => KServeNames.GetValueOrDefault(elemType);
}
