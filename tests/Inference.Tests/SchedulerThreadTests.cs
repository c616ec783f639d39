using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inference.Service.Diagnostics;
using Inference.Service.Models;
using Inference.Service.Runtime;
using Inference.Service.Scheduling;
using Inference.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests;

/// <summary>
/// The node runs requests on the socket engine's threads (inline transport): a Run not known to be cheap must not
/// block such a thread, or every other connection it serves waits behind the computation.
/// </summary>
public sealed class SchedulerThreadTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public async Task A_run_not_measured_cheap_leaves_a_thread_outside_the_pool_before_computing(int maxBatchSize)
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.DeepChain(1024, 64, seed: 9), new SessionSettings { IntraOpThreads = 1 });
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new InferenceMetrics(services.GetRequiredService<IMeterFactory>());
        await using var scheduler = new ModelScheduler("deep", session, new ModelSettings { MaxBatchSize = maxBatchSize, MaxQueueSize = 8 }, metrics);
        var input = Tensor.FromArray("x", [1, 1024], new float[1024]);

        Task<Tensor[]>? inference = null;
        var callTook = TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        // A dedicated thread stands for a socket engine's: not a thread-pool thread.
        var caller = new Thread(() =>
        {
            var t0 = Stopwatch.GetTimestamp();
            inference = scheduler.InferAsync([input], null, CancellationToken.None);
            callTook = Stopwatch.GetElapsedTime(t0);
        });
        caller.Start();
        caller.Join();
        var outputs = await inference!;
        var total = Stopwatch.GetElapsedTime(started);

        Assert.Equal([1L, 1024L], outputs[0].Shape);
        // 64 layers of 1024x1024 take tens of milliseconds: had the caller's thread computed, its call would have
        // taken (nearly) all of that time instead of returning at once.
        Assert.True(callTook < total / 2, $"the call held its thread for {callTook.TotalMilliseconds:F1} ms of {total.TotalMilliseconds:F1} ms");
    }
}
