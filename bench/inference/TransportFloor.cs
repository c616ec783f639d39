using Contracts.Inference;

namespace Inference.Bench;

/// <summary>
/// The cost of a round trip that does no inference (KServe server-live over REST and gRPC), through the same node,
/// client and middleware: what an inference request costs beyond it is the node's own work.
/// </summary>
internal static class TransportFloor
{
    public const string Model = "transport";

    public static async Task RunAsync(BenchNode node, BenchOptions options, Report report)
    {
        var live = new ServerLiveRequest();
        foreach (var c in options.Concurrency)
        {
            report.Add(Model, "rest-live", c, await LoadRunner.RunAsync(async () =>
            {
                using var response = await node.Http.GetAsync("/v2/health/live");
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
            }, c, options.Warmup, options.Duration));
            report.Add(Model, "grpc-live", c, await LoadRunner.RunAsync(
                () => node.KServe.ServerLiveAsync(live).ResponseAsync, c, options.Warmup, options.Duration));
        }
    }
}
