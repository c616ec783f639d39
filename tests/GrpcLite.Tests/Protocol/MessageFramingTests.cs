using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using GrpcLite.Protocol;
using GrpcLite.Tests.V1;

namespace GrpcLite.Tests.Protocol;

public sealed class MessageFramingTests
{
    private static readonly MessageParser<EchoRequest> Parser = EchoRequest.Parser;

    [Fact]
    public async Task Frames_split_into_single_bytes_are_reassembled()
    {
        var messages = Enumerable.Range(0, 3).Select(i => new EchoRequest { Message = $"message {i}", Count = i }).ToArray();
        var bytes = messages.SelectMany(m => MessageFrame.ToArray(m, int.MaxValue)).ToArray();
        var pipe = new Pipe();

        var writer = Task.Run(async () =>
        {
            foreach (var b in bytes)
            {
                await pipe.Writer.WriteAsync(new[] { b });
            }
            await pipe.Writer.CompleteAsync();
        });

        var read = new List<EchoRequest>();
        while (await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, CancellationToken.None) is { } message)
        {
            read.Add(message);
        }
        await writer;
        Assert.Equal(messages, read);
    }

    [Fact]
    public async Task Several_frames_in_one_read_come_out_one_by_one()
    {
        var pipe = new Pipe();
        var frames = MessageFrame.ToArray(new EchoRequest { Message = "a" }, int.MaxValue)
            .Concat(MessageFrame.ToArray(new EchoRequest { Message = "b" }, int.MaxValue)).ToArray();
        await pipe.Writer.WriteAsync(frames);
        await pipe.Writer.CompleteAsync();

        Assert.Equal("a", (await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default))!.Message);
        Assert.Equal("b", (await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default))!.Message);
        Assert.Null(await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default));
    }

    [Fact]
    public async Task Empty_message_is_a_valid_zero_length_frame()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(MessageFrame.ToArray(new EchoRequest(), int.MaxValue));
        await pipe.Writer.CompleteAsync();
        var message = await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default);
        Assert.Equal(new EchoRequest(), message);
    }

    [Fact]
    public async Task Stream_ending_inside_a_frame_is_internal()
    {
        var pipe = new Pipe();
        var frame = MessageFrame.ToArray(new EchoRequest { Message = "truncated" }, int.MaxValue);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, frame.Length - 2));
        await pipe.Writer.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Declared_length_over_the_limit_is_resource_exhausted_before_the_body_arrives()
    {
        var pipe = new Pipe();
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 2048);
        await pipe.Writer.WriteAsync(header); // only the header: the limit must not wait for 2 KiB
        var error = await Assert.ThrowsAsync<RpcException>(async () => await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Written_frame_has_flag_and_big_endian_length()
    {
        var message = new EchoRequest { Message = new string('x', 300) };
        var frame = MessageFrame.ToArray(message, int.MaxValue);
        Assert.Equal(0, frame[0]);
        Assert.Equal((uint)message.CalculateSize(), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)));
        Assert.Equal(message.ToByteArray(), frame[5..]);
    }

    [Fact]
    public void Writing_a_message_over_the_send_limit_is_resource_exhausted()
    {
        var error = Assert.Throws<RpcException>(() => MessageFrame.ToArray(new EchoRequest { Message = new string('x', 100) }, 50));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Gzip_frame_is_inflated_when_the_call_names_gzip()
    {
        var message = new EchoRequest { Message = "compressed", Payload = ByteString.CopyFrom(new byte[10_000]) };
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(GzipFrame(message.ToByteArray()));
        await pipe.Writer.CompleteAsync();
        var read = await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 64 * 1024, "gzip", default);
        Assert.Equal(message, read);
    }

    [Fact]
    public async Task Compressed_frame_without_an_encoding_is_internal()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(GzipFrame(new EchoRequest { Message = "x" }.ToByteArray()));
        await pipe.Writer.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 1024, null, default));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Gzip_that_inflates_past_the_limit_is_resource_exhausted()
    {
        // 1 MiB of zeros compresses to about 1 KiB: small on the wire, too big once inflated.
        var bomb = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1024 * 1024]) }.ToByteArray();
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(GzipFrame(bomb));
        await pipe.Writer.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await PipeMessageReader.ReadAsync(pipe.Reader, Parser, 64 * 1024, "gzip", default));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    private static byte[] GzipFrame(byte[] payload)
    {
        var compressed = MessageFrame.Gzip.Compress(payload);
        var frame = new byte[5 + compressed.Length];
        frame[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)compressed.Length);
        compressed.CopyTo(frame, 5);
        return frame;
    }
}
