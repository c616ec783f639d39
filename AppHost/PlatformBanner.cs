namespace AppHost;

/// <summary>What the run command prints once the platform is up: the gateway, the dashboard's login URL, the admin key.</summary>
internal static class PlatformBanner
{
    public static void Print(AppHostOptions options, Uri gateway, Uri grpc, string adminKey)
    {
        var dashboard = options.DashboardPort == 0
            ? "(off: --dashboard-port 0)"
            : $"http://127.0.0.1:{options.DashboardPort}/login?t={PlatformBuilder.BrowserToken}";
        Console.Out.WriteLine($"""

            ================================================================
             Platform is running
             Gateway REST : {gateway.ToString().TrimEnd('/')}
             Gateway gRPC : {grpc.Authority}
             Dashboard    : {dashboard}
             Admin key    : {adminKey}
             Dashboard API: key in {options.DataPath("dashboard-api-key")} (header x-api-key)
             Press Ctrl+C to stop everything.
            ================================================================

            """);
    }
}
