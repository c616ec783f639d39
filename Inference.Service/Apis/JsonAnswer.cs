using System.Buffers;
using System.Text.Json;

namespace Inference.Service.Apis;

/// <summary>
/// Writes a JSON answer with its Content-Length: the JSON goes first into a buffer and writer kept per thread (no
/// allocation per request), then into the response in one piece. Known length instead of chunked framing: Kestrel
/// sends headers and body together, and the gateway relays the answer without reading chunks. Everything between
/// <see cref="Write"/>'s start and end is synchronous, so no other request can use the thread's buffer meanwhile.
/// </summary>
public static class JsonAnswer
{
    // A thread keeps its buffer unless an answer grew it past this (a big tensor): that memory goes back to the GC.
    private const int KeptBufferBytes = 256 * 1024;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static void Write<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        try
        {
            write(writer, state);
            writer.Flush();
            response.ContentType = "application/json";
            response.ContentLength = buffer.WrittenCount;
            var body = response.BodyWriter;
            buffer.WrittenSpan.CopyTo(body.GetSpan(buffer.WrittenCount));
            body.Advance(buffer.WrittenCount);
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > KeptBufferBytes) (t_buffer, t_writer) = (null, null);
            else buffer.ResetWrittenCount();
        }
    }
}
