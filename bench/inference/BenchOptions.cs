namespace Inference.Bench;

internal sealed record BenchOptions(string ModelFolder, TimeSpan Duration, TimeSpan Warmup, int[] Concurrency, string[] Models)
{
    public static BenchOptions Parse(string[] args)
    {
        var folder = "out/models";
        var quick = false;
        string[] models = ["identity", "mlp", "cnn", "resnet", "transformer"];
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": folder = args[++i]; break;
                case "--quick": quick = true; break;
                case "--only": models = args[++i].Split(','); break;
                default: throw new ArgumentException($"Unknown argument {args[i]}; use --models DIR, --quick, --only m1,m2");
            }
        }
        return quick
            ? new BenchOptions(folder, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(100), [1, 8, 32], models)
            : new BenchOptions(folder, TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(300), [1, 8, 32], models);
    }
}
