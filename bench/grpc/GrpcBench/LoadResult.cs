namespace GrpcBench;

/// <summary>One measured run: how many calls completed in how long, and the latency percentiles.</summary>
internal sealed record LoadResult(string Pair, int Concurrency, long Calls, double Seconds, double P50Micros, double P99Micros)
{
    public double CallsPerSecond => Calls / Seconds;

    public static LoadResult FromLatencies(string pair, int concurrency, List<double> latenciesMicros, double seconds)
    {
        latenciesMicros.Sort();
        return new LoadResult(pair, concurrency, latenciesMicros.Count, seconds,
            Percentile(latenciesMicros, 0.50), Percentile(latenciesMicros, 0.99));
    }

    private static double Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
}
