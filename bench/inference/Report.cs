using System.Globalization;

namespace Inference.Bench;

internal sealed class Report
{
    private readonly List<(string Model, string Path, int Concurrency, Measurement M)> _rows = [];

    public void Add(string model, string path, int concurrency, Measurement m, string note = "")
    {
        _rows.Add((model, path, concurrency, m));
        var raw = _rows.FirstOrDefault(r => r.Model == model && r.Path == "raw" && r.Concurrency == concurrency).M;
        var ratio = raw is null || path == "raw" ? "" : $"{m.Throughput / raw.Throughput,6:F2}x raw";
        var batched = "";
        if (path.EndsWith("+batch", StringComparison.Ordinal))
        {
            var unbatched = _rows.FirstOrDefault(r => r.Model == model && r.Path == path[..^"+batch".Length] && r.Concurrency == concurrency).M;
            if (unbatched is not null) batched = $"{m.Throughput / unbatched.Throughput,6:F2}x unbatched";
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model,-12} {path,-18} c={concurrency,-3} {m.Throughput,10:F0} req/s  p50 {m.P50Microseconds,9:F0} us  p99 {m.P99Microseconds,9:F0} us  cpu {m.CpuMicrosecondsPerRequest,6:F0} us/req  {ratio,-12} {batched}  {note}{(m.Errors > 0 ? $"  errors {m.Errors}" : "")}"));
    }

    public void PrintSummary()
    {
        Console.WriteLine();
        Console.WriteLine("Targets:");
        var raw = Find("identity", "raw", 1);
        var grpc = Find("identity", "grpc", 1);
        var rest = Find("identity", "rest-binary", 1);
        if (raw is not null && grpc is not null)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  identity p50 overhead at c=1: gRPC {grpc.P50Microseconds - raw.P50Microseconds:F0} us, REST binary {(rest?.P50Microseconds ?? double.NaN) - raw.P50Microseconds:F0} us (target <= 100 us)"));
        var restFloor = Find(TransportFloor.Model, "rest-live", 1);
        var grpcFloor = Find(TransportFloor.Model, "grpc-live", 1);
        if (restFloor is not null && grpcFloor is not null && raw is not null && grpc is not null && rest is not null)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    of which the round trip itself (server-live, no inference): gRPC {grpcFloor.P50Microseconds:F0} us, REST {restFloor.P50Microseconds:F0} us; the node's own work: gRPC {grpc.P50Microseconds - raw.P50Microseconds - grpcFloor.P50Microseconds:F0} us, REST binary {rest.P50Microseconds - raw.P50Microseconds - restFloor.P50Microseconds:F0} us"));
        foreach (var c in new[] { 1, 8, 32 })
        {
            var cnnRaw = Find("cnn", "raw", c);
            // End to end means over the network; in-process is the node's scheduler alone, shown beside it.
            var best = _rows.Where(r => r.Model == "cnn" && r.Path.EndsWith("+batch", StringComparison.Ordinal) && !r.Path.StartsWith("in-process", StringComparison.Ordinal) && r.Concurrency == c)
                .OrderByDescending(r => r.M.Throughput).FirstOrDefault();
            var scheduler = Find("cnn", "in-process+batch", c);
            if (cnnRaw is not null && best.M is not null)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  cnn c={c}: best end-to-end with batching ({best.Path}) {best.M.Throughput / cnnRaw.Throughput:F2}x raw (target >= 0.85){(scheduler is null ? "" : $"; the scheduler alone (in-process+batch) {scheduler.Throughput / cnnRaw.Throughput:F2}x")}"));
        }
        foreach (var path in new[] { "grpc", "rest-binary", "rest-json", "in-process" })
        {
            var off = Find("mlp", path, 32);
            var on = Find("mlp", path + "+batch", 32);
            if (off is not null && on is not null)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  mlp c=32 {path}: batched {on.Throughput / off.Throughput:F2}x unbatched (target >= 3)"));
        }
        var slower = _rows.Where(r => r.Concurrency == 1 && r.Path.EndsWith("+batch", StringComparison.Ordinal))
            .Select(r => (r, off: Find(r.Model, r.Path[..^"+batch".Length], 1)))
            .Where(p => p.off is not null && p.r.M.Throughput < p.off.Throughput * 0.9).ToList();
        Console.WriteLine(slower.Count == 0
            ? "  batching at c=1: never more than 10% slower than unbatched"
            : "  batching at c=1 slower (>10%) for: " + string.Join(", ", slower.Select(s => $"{s.r.Model}/{s.r.Path}")));
    }

    private Measurement? Find(string model, string path, int concurrency) =>
        _rows.FirstOrDefault(r => r.Model == model && r.Path == path && r.Concurrency == concurrency).M;
}
