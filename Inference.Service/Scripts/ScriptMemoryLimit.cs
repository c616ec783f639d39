using System.Globalization;

namespace Inference.Service.Scripts;

/// <summary>
/// Holds one worker process to the deployment's memory (<c>memoryGb</c> per instance) by watching its resident set
/// (<c>VmRSS</c> of <c>/proc/{pid}/status</c>) every <see cref="Interval"/> and killing it once it is above the limit.
/// Why not the kernel: RLIMIT_AS counts address space, and OpenBLAS/numpy reserve far more than they touch, so scripts
/// fail at import; a cgroup (v2 <c>memory.max</c>) needs a delegated cgroup tree, which a node run by the app host as
/// a plain process does not have (Kubernetes pods get theirs from the pod's memory limit instead). Between two
/// samples a worker may overshoot by what it allocates in <see cref="Interval"/>.
/// </summary>
public sealed class ScriptMemoryLimit
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private ScriptMemoryLimit(long limitBytes) => LimitBytes = limitBytes;

    public long LimitBytes { get; }

    /// <summary>Why the worker was stopped, once it has been; null while it stays within the limit.</summary>
    public string? Exceeded { get; private set; }

    /// <summary>Watches <paramref name="process"/> until it exits or <paramref name="stopping"/>; above the limit, calls <paramref name="onExceeded"/> and kills it.</summary>
    public static ScriptMemoryLimit Watch(System.Diagnostics.Process process, long limitBytes, Action<string> onExceeded, CancellationToken stopping)
    {
        var limit = new ScriptMemoryLimit(limitBytes);
        if (limitBytes > 0) _ = limit.WatchAsync(process, onExceeded, stopping);
        return limit;
    }

    private async Task WatchAsync(System.Diagnostics.Process process, Action<string> onExceeded, CancellationToken stopping)
    {
        var pid = process.Id;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                if (ResidentBytes(pid) is not { } resident) return; // exited
                if (resident <= LimitBytes) continue;
                Exceeded = $"worker {pid} used {Mebibytes(resident)} MiB of memory, more than the deployment's limit of " +
                    $"{Mebibytes(LimitBytes)} MiB (memoryGb {(LimitBytes / (double)(1L << 30)).ToString("0.###", CultureInfo.InvariantCulture)}); it was stopped";
                // The caller first fails the requests in the worker with this reason (before the socket closes), then it goes.
                onExceeded(Exceeded);
                try { process.Kill(entireProcessTree: true); } catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException) { }
                return;
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The resident set of a process in bytes, or null when it has exited.</summary>
    public static long? ResidentBytes(int pid)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid}/status"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        foreach (var line in lines)
        {
            // "VmRSS:	  320804 kB"; a zombie has no VmRSS line.
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var value = line.AsSpan(6).Trim();
            var space = value.IndexOf(' ');
            return long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : null;
        }
        return null;
    }

    private static long Mebibytes(long bytes) => bytes / (1024 * 1024);
}
