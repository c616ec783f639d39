using System.Diagnostics;
using System.Net.Http;
using GrpcLite.Protocol;
using GrpcLite.Telemetry;

namespace GrpcLite.Client;

/// <summary>
/// The life of one client call: its cancellation (caller token + deadline), its activity and
/// duration metric, and the mapping of transport failures to gRPC statuses.
/// </summary>
internal sealed class CallScope : IDisposable
{
    private readonly GrpcChannel.MethodTarget _target;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _source;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly DateTime _deadline;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly Activity? _activity;
    private bool _completed;

    public CallScope(GrpcChannel.MethodTarget target, CallOptions options, CancellationToken enumerationToken)
    {
        _target = target;
        _activity = GrpcTelemetry.StartActivity(ActivityKind.Client, target.Service, target.Method);
        _callerToken = options.CancellationToken;
        var hasDeadline = options.Deadline is { } deadline && deadline != DateTime.MaxValue;
        _deadline = hasDeadline ? options.Deadline!.Value.ToUniversalTime() : DateTime.MaxValue;

        if (hasDeadline || enumerationToken.CanBeCanceled)
        {
            if (hasDeadline)
            {
                // A source of its own, so a cancellation can be told apart as the deadline's.
                var remaining = _deadline - DateTime.UtcNow;
                _deadlineSource = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            _source = CancellationTokenSource.CreateLinkedTokenSource(
                options.CancellationToken, enumerationToken, _deadlineSource?.Token ?? CancellationToken.None);
            Token = _source.Token;
            Timeout = hasDeadline ? () => _deadline - DateTime.UtcNow : null;
        }
        else
        {
            Token = options.CancellationToken;
        }
    }

    public CancellationToken Token { get; }

    /// <summary>Time left until the deadline, read when each attempt is sent (null without a deadline).</summary>
    public Func<TimeSpan>? Timeout { get; }

    /// <summary>
    /// The deadline timer fired, or the clock is past the deadline (the server may reset the
    /// stream a moment before our own timer fires).
    /// </summary>
    private bool DeadlinePassed => _deadlineSource?.IsCancellationRequested == true
        || (_deadline != DateTime.MaxValue && DateTime.UtcNow >= _deadline);

    /// <summary>The gRPC status a failure stands for.</summary>
    public RpcException Map(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }
        if (DeadlinePassed && !_callerToken.IsCancellationRequested)
        {
            return new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        if (exception is OperationCanceledException || Token.IsCancellationRequested)
        {
            return new RpcException(StatusCode.Cancelled, "Call canceled by the client.");
        }
        var protocolError = exception as HttpProtocolException ?? exception.InnerException as HttpProtocolException;
        if (protocolError is not null)
        {
            // HTTP/2 RST_STREAM codes, mapped as the gRPC spec says.
            var code = protocolError.ErrorCode switch
            {
                0x7 => StatusCode.Unavailable,        // REFUSED_STREAM
                0x8 => StatusCode.Cancelled,          // CANCEL
                0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
                0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
                _ => StatusCode.Internal,
            };
            return new RpcException(code, $"HTTP/2 stream error: {protocolError.Message}");
        }
        if (exception is HttpRequestException or IOException)
        {
            return new RpcException(StatusCode.Unavailable, $"Error connecting to {_target.Uri.GetLeftPart(UriPartial.Authority)}: {exception.Message}");
        }
        if (exception is Google.Protobuf.InvalidProtocolBufferException)
        {
            return new RpcException(StatusCode.Internal, "Failed to deserialize response message.");
        }
        return new RpcException(StatusCode.Internal, $"Error in gRPC call: {exception.GetType().Name}: {exception.Message}");
    }

    /// <summary>Records the failure and returns the exception to throw.</summary>
    public RpcException Fail(Exception exception)
    {
        var rpc = Map(exception);
        Complete(rpc.StatusCode, rpc.Detail);
        return rpc;
    }

    public void Complete(StatusCode code, string detail = "")
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        GrpcTelemetry.StopActivity(_activity, code, detail);
        GrpcTelemetry.RecordDuration(GrpcTelemetry.ClientCallDuration, _startTimestamp, _target.Service, _target.Method, code);
    }

    public void Dispose()
    {
        // A stream abandoned by its consumer ends here without a status of its own.
        Complete(StatusCode.Cancelled, "Call abandoned by the caller.");
        _source?.Dispose();
        _deadlineSource?.Dispose();
    }
}
