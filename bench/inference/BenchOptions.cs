namespace Inference.Bench;

internal sealed record BenchOptions(string ModelFolder, TimeSpan Duration, TimeSpan Warmup, int[] Concurrency, string[] Models, string[] Paths,
    int Rows = 1, bool RawOnly = false)
{
    public static readonly string[] AllPaths = ["rest-json", "rest-json+batch", "rest-binary", "rest-binary+batch", "grpc", "grpc+batch", "in-process", "in-process+batch"];

    public static BenchOptions Parse(string[] args)
    {
        var folder = "out/models";
        var duration = TimeSpan.FromMilliseconds(2000);
        var warmup = TimeSpan.FromMilliseconds(500);
        int[] concurrency = [1, 8, 32];
        string[] models = ["identity", "mlp", "cnn", "resnet", "transformer"];
        var paths = AllPaths;
        var rows = 1;
        var rawOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": folder = args[++i]; break;
                case "--quick": duration = TimeSpan.FromMilliseconds(400); warmup = TimeSpan.FromMilliseconds(100); break;
                case "--only": models = args[++i].Split(','); break;
                case "--paths": paths = args[++i].Split(','); break;
                case "--concurrency": concurrency = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--duration": duration = TimeSpan.FromSeconds(double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture)); break;
                // Rows of the batch dimension in each request (bench/scoring scores 5 iris rows per request).
                case "--rows": rows = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                // Only raw ONNX Runtime in process, one machine-readable line per concurrency (bench/scoring reads them).
                case "--raw-only": rawOnly = true; break;
                case "--warmup": warmup = TimeSpan.FromSeconds(double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture)); break;
                default:
                    throw new ArgumentException($"Unknown argument {args[i]}; use --models DIR, --quick, --only m1,m2, --paths {string.Join(',', AllPaths)}, --concurrency 1,8,32, --duration SECONDS, --warmup SECONDS, --rows N, --raw-only");
            }
        }
        var unknown = paths.Except(AllPaths).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"Unknown path(s) {string.Join(',', unknown)}; known: {string.Join(',', AllPaths)}");
        return new BenchOptions(folder, duration, warmup, concurrency, models, paths, rows, rawOnly);
    }
}
