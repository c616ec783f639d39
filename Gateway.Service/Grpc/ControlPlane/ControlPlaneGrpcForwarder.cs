using Gateway.Service.Auth;
using Grpc.Core;

namespace Gateway.Service.Grpc.ControlPlane;

/// <summary>
/// What the control-plane services on the gateway's gRPC port share: the admin key in <c>authorization</c> metadata
/// (as on REST's <c>/api/v1</c>), then the call forwarded to the owning service's gRPC with the caller's deadline and
/// cancellation. The owner's status and detail come back unchanged.
/// </summary>
public sealed class ControlPlaneGrpcForwarder(AdminKey adminKey)
{
    public async Task<TResponse> UnaryAsync<TResponse>(ServerCallContext context, Func<CallOptions, AsyncUnaryCall<TResponse>> call)
    {
        using var forwarded = call(Authorize(context));
        return await forwarded.ResponseAsync;
    }

    public async Task ServerStreamingAsync<TResponse>(ServerCallContext context, Func<CallOptions, AsyncServerStreamingCall<TResponse>> call,
        IServerStreamWriter<TResponse> responseStream)
    {
        using var forwarded = call(Authorize(context));
        await foreach (var message in forwarded.ResponseStream.ReadAllAsync(context.CancellationToken))
            await responseStream.WriteAsync(message, context.CancellationToken);
    }

    private CallOptions Authorize(ServerCallContext context)
    {
        var credential = BearerCredential.From(context.RequestHeaders.GetValue("authorization"));
        if (credential.IsEmpty || !adminKey.Matches(credential))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The admin key is missing or wrong."));
        return new CallOptions(deadline: context.Deadline == DateTime.MaxValue ? null : context.Deadline, cancellationToken: context.CancellationToken);
    }
}
