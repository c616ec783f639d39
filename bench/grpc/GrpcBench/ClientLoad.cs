using System.Diagnostics;
using Grpc.Net.Client;
using GrpcBench.V1;

namespace GrpcBench;

/// <summary>Drives the grpc-dotnet client: N concurrent loops of unary calls on one channel, each latency recorded.</summary>
internal static class ClientLoad
{
    public static async Task<LoadResult> RunAsync(Uri address, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new Bench.BenchClient(channel);
        await RunLoopsAsync(client, concurrency, warmup, record: false);
        var stopwatch = Stopwatch.StartNew();
        var latencies = await RunLoopsAsync(client, concurrency, duration, record: true);
        return LoadResult.FromLatencies("grpc-dotnet -> grpc-dotnet", concurrency, latencies, stopwatch.Elapsed.TotalSeconds);
    }

    private static async Task<List<double>> RunLoopsAsync(Bench.BenchClient client, int concurrency, TimeSpan duration, bool record)
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
                var reply = await client.PingAsync(request);
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
