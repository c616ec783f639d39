using System.Diagnostics;
using Inference.Tests.Support;
using Inference.Service.Runtime;

namespace Inference.Tests;

/// <summary>The leak test reads the process's RSS: other test classes loading models beside it would move it.</summary>
[CollectionDefinition(nameof(LeakTestCollection), DisableParallelization = true)]
public sealed class LeakTestCollection;

/// <summary>Native memory must not grow with the number of inferences: every OrtValue, pin and status is released.</summary>
[Collection(nameof(LeakTestCollection))]
public sealed class LeakTests
{
    [Fact]
    public void Ten_thousand_inferences_keep_memory_flat()
    {
        using var session = ModelSession.FromBytes(OnnxModelBuilder.Dense(256, 64));
        var input = Tensor.FromArray("x", [4, 256], Enumerable.Range(0, 1024).Select(i => i * 0.001f).ToArray());
        using var strings = ModelSession.FromBytes(OnnxModelBuilder.Identity(8, "batch"));
        var text = Tensor.FromStrings("x", [3], ["a", "bb", "ccc"]);

        void Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                session.Run([input]);
                if (i % 10 == 0) strings.Run([text]);
                if (i % 100 == 0)
                {
                    // Error paths must release their status and values too.
                    try { session.Run([Tensor.FromArray("x", [1, 3], new float[3])]); }
                    catch (OrtException) { }
                }
            }
        }

        Run(2_000); // warm-up: arenas and thread pools reach their steady size
        var before = Measure();
        Run(10_000);
        var after = Measure();

        // Each Run moves ~20 KB through native memory; a leak of one value per call would add ~200 MB.
        Assert.True(after.Rss - before.Rss < 24L * 1024 * 1024, $"RSS grew from {before.Rss / 1024} KiB to {after.Rss / 1024} KiB");
        Assert.True(after.Handles - before.Handles < 50, $"Handles grew from {before.Handles} to {after.Handles}");
    }

    private static (long Rss, int Handles) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (process.WorkingSet64, process.HandleCount);
    }
}
