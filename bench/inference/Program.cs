using Inference.Bench;

// Raw ONNX Runtime in process (the limit) vs the inference node end to end over REST JSON, REST binary and gRPC,
// at concurrency 1, 8 and 32, batching off and on. Prints throughput, p50, p99 and the ratios.
var options = BenchOptions.Parse(args);
await using var node = await BenchNode.StartAsync();
var report = new Report();
foreach (var model in options.Models)
{
    await ModelBench.RunAsync(model, Path.Combine(options.ModelFolder, model + ".onnx"), node, options, report);
}
if (options.RawOnly) return;
// Last, when every layer is warm: the same round trip without inference, to separate transport from the node's work.
await TransportFloor.RunAsync(node, options, report);
report.PrintSummary();
