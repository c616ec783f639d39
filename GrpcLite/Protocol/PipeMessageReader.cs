using System.IO.Pipelines;
using Google.Protobuf;

namespace GrpcLite.Protocol;

/// <summary>Reads framed messages from a request body pipe in one pass, parsing straight from its buffers.</summary>
internal static class PipeMessageReader
{
    /// <summary>The next message, or default when the stream ended cleanly between messages.</summary>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException(cancellationToken);
            }
            try
            {
                if (MessageFrame.TryRead(ref buffer, maxMessageSize, out var payload, out var compressed))
                {
                    // Parse before AdvanceTo: the payload points into the pipe's memory.
                    var message = MessageFrame.Parse(parser, payload, compressed, encoding, maxMessageSize);
                    reader.AdvanceTo(buffer.Start);
                    return message;
                }
            }
            catch
            {
                reader.AdvanceTo(buffer.Start);
                throw;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }
                throw new RpcException(StatusCode.Internal, "Incomplete message: the stream ended inside a frame.");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
