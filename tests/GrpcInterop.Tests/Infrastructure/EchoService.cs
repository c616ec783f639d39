using Google.Protobuf;
using Grpc.Core;
using GrpcInterop.Tests.V1;

namespace GrpcInterop.Tests.Infrastructure;

/// <summary>
/// Our implementation of the test Echo service; the python and node peers implement the same
/// behaviour, so one set of client checks runs against all three servers.
/// </summary>
public sealed class EchoService(EchoService.CallLog log) : Echo.EchoBase
{
    /// <summary>How server-side handlers ended, for tests that can only observe the server.</summary>
    public sealed class CallLog
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _entries = new();

        public void Add(string entry) => _entries.Enqueue(entry);

        public bool Contains(string entry) => _entries.Contains(entry);
    }

    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        await ApplyRequestAsync(request, context);
        await EchoMetadataAsync(context);
        return new EchoReply { Message = request.Message, Payload = ReplyPayload(request) };
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        try
        {
            for (var i = 0; i < request.Count; i++)
            {
                await responseStream.WriteAsync(new EchoReply { Message = request.Message, Index = i, Payload = ReplyPayload(request) });
            }
        }
        catch (OperationCanceledException)
        {
            log.Add($"ServerStream {request.Message} stopped");
            throw;
        }
        await ApplyRequestAsync(request, context);
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var reply = new EchoReply();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            reply.ReceivedCount++;
            reply.ReceivedBytes += request.Payload.Length;
            reply.Message = request.Message;
            await ApplyRequestAsync(request, context);
        }
        return reply;
    }

    public override async Task BidiStream(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new EchoReply { Message = request.Message, Index = index++ });
        }
    }

    private static async Task ApplyRequestAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
        if (request.ThrowUnhandled)
        {
            throw new InvalidOperationException("secret internal detail: connection string Password=hunter2");
        }
        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }
    }

    /// <summary>x-echo comes back as header x-echo-header and trailer x-echo-trailer; x-echo-bin as trailer x-echo-bin.</summary>
    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var echo = context.RequestHeaders.GetValue("x-echo");
        if (echo is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-echo-header", echo } });
            context.ResponseTrailers.Add("x-echo-trailer", echo);
        }
        var binary = context.RequestHeaders.GetValueBytes("x-echo-bin");
        if (binary is not null)
        {
            context.ResponseTrailers.Add("x-echo-bin", binary);
        }
    }

    private static ByteString ReplyPayload(EchoRequest request)
    {
        if (request.ReplyPayloadSize <= 0)
        {
            return request.Payload;
        }
        var bytes = new byte[request.ReplyPayloadSize];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }
        return ByteString.CopyFrom(bytes);
    }
}
