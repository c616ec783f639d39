using System.Diagnostics;
using GrpcBench.V1;
using GrpcLite;

namespace GrpcBench;

/// <summary>Drives our client: N concurrent loops of unary calls, each latency recorded.</summary>
internal static class OurClientLoad
{
    private const string Method = "/grpclite.bench.v1.Bench/Ping";

    public static async Task<LoadResult> RunAsync(Uri address, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var channel = GrpcChannel.ForAddress(address);
        await RunLoopsAsync(channel, concurrency, warmup, record: false);
        var stopwatch = Stopwatch.StartNew();
        var latencies = await RunLoopsAsync(channel, concurrency, duration, record: true);
        return LoadResult.FromLatencies("GrpcLite -> GrpcLite", concurrency, latencies, stopwatch.Elapsed.TotalSeconds);
    }

    private static async Task<List<double>> RunLoopsAsync(GrpcChannel channel, int concurrency, TimeSpan duration, bool record)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>(record ? 200_000 : 0);
            var request = new PingRequest { Note = "ping" };
            for (long sequence = 0; Stopwatch.GetTimestamp() < end; sequence++)
            {
                request.Sequence = sequence;
                var started = Stopwatch.GetTimestamp();
                var reply = await channel.UnaryAsync<PingRequest, PingReply>(Method, request);
                if (record)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                if (reply.Sequence != sequence)
                {
                    throw new InvalidOperationException("Reply does not match request.");
                }
            }
            return latencies;
        })).ToArray();
        var all = await Task.WhenAll(loops);
        return all.SelectMany(l => l).ToList();
    }
}
