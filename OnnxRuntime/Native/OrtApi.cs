using System.Runtime.InteropServices;

namespace OnnxRuntime.Native;

/// <summary>
/// The slots of the ONNX Runtime C API function table (OrtApi, version 30) that the binding calls.
/// Slot numbers come from ../shared/ORT_C_API.md; the table only grows at its end, so they hold for later versions too.
/// </summary>
internal static unsafe class OrtApi
{
    public const uint ApiVersion = 30;

    public static delegate* unmanaged[Cdecl]<IntPtr, OrtErrorCode> GetErrorCode;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorMessage;
    public static delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr> CreateEnv;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession;
    public static delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run;
    public static delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateSessionOptions;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionExecutionMode;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetInterOpNumThreads;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName;
    public static delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, TensorElementType, IntPtr*, IntPtr> CreateTensorAsOrtValue;
    public static delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, TensorElementType, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    public static delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr> GetTensorMutableData;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr> FillStringTensor;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetStringTensorDataLength;
    public static delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, nuint, IntPtr> GetStringTensorContent;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, OnnxValueType*, IntPtr> GetOnnxTypeFromTypeInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, TensorElementType*, IntPtr> GetTensorElementType;
    public static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    public static delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr> GetDimensions;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr> GetSymbolicDimensions;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    public static delegate* unmanaged[Cdecl]<IntPtr, OnnxValueType*, IntPtr> GetValueType;
    public static delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr> AllocatorFree;
    public static delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseEnv;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseStatus;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseMemoryInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSession;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseValue;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTypeInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorTypeAndShapeInfo;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSessionOptions;
    public static delegate* unmanaged[Cdecl]<IntPtr*, int*, IntPtr> GetAvailableProviders;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> ReleaseAvailableProviders;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public static delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateCUDAProviderOptions;
    public static delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseCUDAProviderOptions;

    /// <summary>Reads every slot we use from the table at <paramref name="table"/>.</summary>
    public static void Bind(IntPtr table)
    {
        var slots = (IntPtr*)table;
        GetErrorCode = (delegate* unmanaged[Cdecl]<IntPtr, OrtErrorCode>)slots[1];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)slots[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr>)slots[3];
        CreateSession = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)slots[7];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)slots[8];
        Run = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)slots[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)slots[10];
        SetSessionExecutionMode = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)slots[13];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)slots[23];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)slots[24];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)slots[25];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)slots[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)slots[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)slots[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)slots[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)slots[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)slots[37];
        CreateTensorAsOrtValue = (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, TensorElementType, IntPtr*, IntPtr>)slots[48];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, TensorElementType, IntPtr*, IntPtr>)slots[49];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr>)slots[51];
        FillStringTensor = (delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr>)slots[52];
        GetStringTensorDataLength = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)slots[53];
        GetStringTensorContent = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, nuint, IntPtr>)slots[54];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)slots[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, OnnxValueType*, IntPtr>)slots[56];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<IntPtr, TensorElementType*, IntPtr>)slots[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)slots[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr>)slots[62];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr>)slots[63];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)slots[65];
        GetValueType = (delegate* unmanaged[Cdecl]<IntPtr, OnnxValueType*, IntPtr>)slots[67];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr>)slots[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr>)slots[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)slots[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[96];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[99];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[100];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<IntPtr*, int*, IntPtr>)slots[125];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)slots[126];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)slots[130];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)slots[204];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)slots[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr>)slots[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)slots[208];
    }

    /// <summary>Turns a returned OrtStatus* into an exception (NULL means success) and releases the status.</summary>
    public static void Check(IntPtr status)
    {
        if (status == IntPtr.Zero) return;
        throw TakeError(status);
    }

    public static OrtException TakeError(IntPtr status)
    {
        var code = GetErrorCode(status);
        // The message belongs to the status: copy it before releasing.
        var message = Marshal.PtrToStringUTF8((IntPtr)GetErrorMessage(status)) ?? "";
        ReleaseStatus(status);
        return new OrtException(code, message);
    }
}
