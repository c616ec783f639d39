using System.Globalization;
using GrpcBench;

// dotnet run -c Release --project bench/grpc/GrpcBench [-- --duration 10 --warmup 3 --concurrency 1,64]
// Measures unary round trips of a small message over loopback: grpc-dotnet client -> grpc-dotnet server (Grpc.AspNetCore
// on Kestrel h2c), then grpc-js client -> grpc-js server, each server in its own process, and prints the comparison.
if (args.Length > 0 && args[0] == "server")
{
    await BenchServer.RunAsync();
    return 0;
}

var duration = TimeSpan.FromSeconds(Option("--duration", 10));
var warmup = TimeSpan.FromSeconds(Option("--warmup", 3));
var concurrencies = (OptionText("--concurrency") ?? "1,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();

var results = new List<LoadResult>();
await using (var dotnet = await Peers.StartOurServerAsync("server"))
{
    foreach (var concurrency in concurrencies)
    {
        results.Add(await ClientLoad.RunAsync(new Uri($"http://127.0.0.1:{dotnet.Port}"), concurrency, warmup, duration));
        Console.Error.WriteLine($"done: grpc-dotnet c={concurrency}");
    }
}
await using (var node = await Peers.StartNodeServerAsync())
{
    foreach (var concurrency in concurrencies)
    {
        results.Add(await Peers.RunNodeClientAsync(node.Port, concurrency, warmup, duration));
        Console.Error.WriteLine($"done: grpc-js c={concurrency}");
    }
}

Console.WriteLine($"Unary round trips over loopback, {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per run after {warmup.TotalSeconds:0} s warmup");
Console.WriteLine($"{"pair",-28} {"conc",5} {"calls/s",10} {"p50 µs",9} {"p99 µs",9}");
foreach (var result in results)
{
    Console.WriteLine($"{result.Pair,-28} {result.Concurrency,5} {result.CallsPerSecond,10:0} {result.P50Micros,9:0.0} {result.P99Micros,9:0.0}");
}
foreach (var concurrency in concurrencies)
{
    var dotnet = results.First(r => r.Concurrency == concurrency && r.Pair.StartsWith("grpc-dotnet", StringComparison.Ordinal));
    var theirs = results.First(r => r.Concurrency == concurrency && r.Pair.StartsWith("grpc-js", StringComparison.Ordinal));
    Console.WriteLine($"ratio grpc-dotnet/grpc-js at c={concurrency}: throughput x{dotnet.CallsPerSecond / theirs.CallsPerSecond:0.00}, p50 x{dotnet.P50Micros / theirs.P50Micros:0.00}, p99 x{dotnet.P99Micros / theirs.P99Micros:0.00} (p lower is better)");
}
return 0;

double Option(string name, double fallback) =>
    OptionText(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
