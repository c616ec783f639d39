using System.Diagnostics;

namespace Inference.Bench;

/// <summary>One cell. <paramref name="CpuMicrosecondsPerRequest"/> is the whole process's CPU time (client, node and ONNX Runtime) per answered request: unlike throughput it barely moves when other work loads the machine.</summary>
internal sealed record Measurement(double Throughput, double P50Microseconds, double P99Microseconds, int Errors, double CpuMicrosecondsPerRequest);

/// <summary>A closed loop: <c>concurrency</c> workers each send a request as soon as their previous answer arrives.</summary>
internal static class LoadRunner
{
    public static async Task<Measurement> RunAsync(Func<Task> call, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        await Loop(call, concurrency, warmup);
        return await Loop(call, concurrency, duration);
    }

    private static async Task<Measurement> Loop(Func<Task> call, int concurrency, TimeSpan duration)
    {
        var latencies = new List<long>[concurrency];
        var errors = 0;
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(4096);
            while (Stopwatch.GetTimestamp() < until)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await call();
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var all = latencies.SelectMany(l => l).OrderBy(t => t).ToArray();
        if (all.Length == 0) return new Measurement(0, double.NaN, double.NaN, errors, double.NaN);
        double Percentile(double p) => all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1e6 / Stopwatch.Frequency;
        return new Measurement(all.Length / elapsed, Percentile(0.50), Percentile(0.99), errors, cpu / all.Length);
    }

    /// <summary>Same loop for synchronous calls on dedicated threads (raw ONNX Runtime).</summary>
    public static Task<Measurement> RunSync(Action call, int concurrency, TimeSpan warmup, TimeSpan duration) =>
        RunAsync(() => Task.Run(call), concurrency, warmup, duration);
}
