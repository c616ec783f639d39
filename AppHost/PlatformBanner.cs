using AppHost.Hosting;

namespace AppHost;

/// <summary>What the run command prints once the platform is up: where the gateway and dashboard are, and the admin key.</summary>
internal static class PlatformBanner
{
    public static Action<ApplicationModel> For(AppHostOptions options) => model =>
    {
        var gateway = model.Instances.FirstOrDefault(i => i.Resource.Name == "gateway");
        var keyFile = Path.Combine(options.DataRoot, "admin-key");
        var key = File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : $"(not found: {keyFile})";
        Console.Out.WriteLine($"""

            ================================================================
             Platform is running
             Gateway REST : {gateway?.HttpAddress?.ToString().TrimEnd('/') ?? "(none)"}
             Gateway gRPC : {gateway?.GrpcAddress?.Authority ?? "(none)"}
             Dashboard    : http://127.0.0.1:{options.DashboardPort}
             Admin key    : {key}
             Press Ctrl+C to stop everything.
            ================================================================

            """);
    };
}
