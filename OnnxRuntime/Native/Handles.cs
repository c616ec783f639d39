using System.Runtime.InteropServices;

namespace OnnxRuntime.Native;

/// <summary>Owns one native ONNX Runtime object and calls its Release function exactly once.</summary>
internal abstract unsafe class OrtHandle : SafeHandle
{
    protected OrtHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;
}

internal sealed unsafe class EnvHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseEnv(handle); return true; }
}

internal sealed unsafe class SessionHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseSession(handle); return true; }
}

internal sealed unsafe class SessionOptionsHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseSessionOptions(handle); return true; }
}

internal sealed unsafe class MemoryInfoHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseMemoryInfo(handle); return true; }
}

internal sealed unsafe class TypeInfoHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseTypeInfo(handle); return true; }
}

internal sealed unsafe class CudaOptionsHandle(IntPtr handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle() { OrtApi.ReleaseCUDAProviderOptions(handle); return true; }
}

/// <summary>
/// The OrtValues of one Run. A plain list released in Dispose rather than one SafeHandle per value:
/// Run creates and drops several per call, and a finalizable object each would cost more than the call itself.
/// </summary>
internal unsafe struct ValueList(int capacity) : IDisposable
{
    private readonly IntPtr[] _values = new IntPtr[capacity];

    public readonly IntPtr[] Values => _values;

    public readonly void Dispose()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i] != IntPtr.Zero)
            {
                OrtApi.ReleaseValue(_values[i]);
                _values[i] = IntPtr.Zero;
            }
        }
    }
}
