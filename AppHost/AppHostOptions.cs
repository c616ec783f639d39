using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// The run command's settings, from the command line (<c>--gateway-port 9090</c>) or environment (<c>APPHOST_GatewayPort</c>).
/// </summary>
public sealed class AppHostOptions
{
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--data"] = nameof(DataRoot),
        ["--gateway-port"] = nameof(GatewayPort),
        ["--grpc-port"] = nameof(GrpcPort),
        ["--dashboard-port"] = nameof(DashboardPort),
        ["--dashboard-otlp-port"] = nameof(DashboardOtlpPort),
        ["--inference-nodes"] = nameof(InferenceNodes),
        ["--postgres-port"] = nameof(PostgresPort),
        ["--rabbitmq-port"] = nameof(RabbitMqPort),
        ["--repo"] = nameof(RepositoryRoot),
        ["--otlp-endpoint"] = nameof(OtlpEndpoint),
        ["--trace-sampling"] = nameof(TraceSampling),
        ["--quiet"] = nameof(Quiet),
        ["--no-demo"] = nameof(NoDemo),
    };

    /// <summary>Where the platform keeps its data (PostgreSQL, RabbitMQ, blobs, logs, keys). Default <c>{repo}/.data</c>.</summary>
    public string DataRoot { get; set; } = "";

    public int GatewayPort { get; set; } = 8080;

    public int GrpcPort { get; set; } = 8081;

    /// <summary>The Aspire dashboard, on 127.0.0.1; 0 runs the platform without it.</summary>
    public int DashboardPort { get; set; } = 18888;

    /// <summary>Where the dashboard receives OTLP/gRPC from every service: fixed, so a collector's config can name it.</summary>
    public int DashboardOtlpPort { get; set; } = 18889;

    public int InferenceNodes { get; set; } = 1;

    /// <summary>0: a free port.</summary>
    public int PostgresPort { get; set; }

    public int RabbitMqPort { get; set; }

    /// <summary>The folder holding Aspire.sln; found upwards from the app host's own folder when not given.</summary>
    public string RepositoryRoot { get; set; } = "";

    /// <summary>An OTLP collector for every signal of every service, instead of the dashboard.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// The share of requests whose traces are recorded (0 to 1; a request that arrives with a sampled W3C
    /// <c>traceparent</c> is always recorded). 0 turns tracing off.
    /// </summary>
    public double TraceSampling { get; set; } = 1.0;

    /// <summary>Do not echo the resources' output on our console (it is still on the dashboard and in the logs).</summary>
    public bool Quiet { get; set; }

    /// <summary>Skip the demo (register the sample model, deploy it, score it) that runs once the platform is up.</summary>
    public bool NoDemo { get; set; }

    public string DataPath(params string[] parts) => Path.Combine([DataRoot, .. parts]);

    public static bool TryParse(string[] args, [NotNullWhen(true)] out AppHostOptions? options, [NotNullWhen(false)] out string? error)
    {
        try
        {
            options = Parse(args);
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            options = null;
            error = ex.Message;
            return false;
        }
    }

    public static AppHostOptions Parse(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("APPHOST_")
            .AddCommandLine(NormalizeFlags(args), Switches.ToDictionary())
            .Build();
        var options = new AppHostOptions
        {
            OtlpEndpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
        };
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException($"Bad argument: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Bad argument: {ex.Message}", ex);
        }
        return options.WithDefaults().Validated();
    }

    /// <summary>"--quiet" alone means "--quiet true" (AddCommandLine wants a value for every switch).</summary>
    private static string[] NormalizeFlags(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            if (args[i] is "--quiet" or "--no-demo" && (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))) result.Add("true");
        }
        return [.. result];
    }

    private AppHostOptions WithDefaults()
    {
        if (RepositoryRoot.Length == 0) RepositoryRoot = FindRepositoryRoot(AppContext.BaseDirectory);
        RepositoryRoot = Path.GetFullPath(RepositoryRoot);
        if (DataRoot.Length == 0) DataRoot = Path.Combine(RepositoryRoot, ".data");
        DataRoot = Path.GetFullPath(DataRoot);
        return this;
    }

    private AppHostOptions Validated()
    {
        foreach (var (name, port) in new[]
                 {
                     ("--gateway-port", GatewayPort), ("--grpc-port", GrpcPort), ("--dashboard-port", DashboardPort),
                     ("--dashboard-otlp-port", DashboardOtlpPort), ("--postgres-port", PostgresPort), ("--rabbitmq-port", RabbitMqPort),
                 })
            if (port is < 0 or > 65535) throw new ArgumentException($"{name} must be between 0 and 65535, not {port}.");
        if (InferenceNodes is < 0 or > 32) throw new ArgumentException($"--inference-nodes must be between 0 and 32, not {InferenceNodes}.");
        if (double.IsNaN(TraceSampling) || TraceSampling is < 0 or > 1) throw new ArgumentException($"--trace-sampling must be between 0 and 1, not {TraceSampling}.");
        return this;
    }

    private static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
