using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AppHost;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Security;
using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// The whole platform started in the test process through Aspire.Hosting.Testing: the app host's own Program runs with
/// the run command's switches (a throw-away data folder, free ports, no demo), DCP starts every resource, and the
/// platform is ready once Aspire reports every service healthy. Disposing stops the app and checks that nothing of the
/// platform is left running.
/// Tests that exercise the run command itself (SIGTERM, SIGKILL, restarts) use <see cref="PlatformFixture"/> instead.
/// </summary>
public sealed class TestingBuilderPlatform : IAsyncLifetime
{
    private const string Dashboard = "aspire-dashboard";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly int _dashboardPort = FreeLoopbackPort();
    private readonly int _dashboardOtlpPort = FreeLoopbackPort();
    private readonly int _gatewayPort = FreeLoopbackPort();
    private readonly int _grpcPort = FreeLoopbackPort();
    private readonly ConcurrentDictionary<string, ResourceEvent> _resources = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private IDistributedApplicationTestingBuilder? _builder;
    private DistributedApplication? _app;
    private Task _watching = Task.CompletedTask;

    public TestingBuilderPlatform()
    {
        DataRoot = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
    }

    /// <summary>The platform's data folder (<c>.data</c> of the run command).</summary>
    public string DataRoot { get; }

    public Uri GatewayHttpUri { get; private set; } = null!;

    /// <summary>The gateway's gRPC (h2c) endpoint.</summary>
    public Uri GatewayGrpcUri { get; private set; } = null!;

    /// <summary>The Aspire dashboard (its UI needs the browser token; its telemetry API, <see cref="DashboardApiKey"/>).</summary>
    public Uri DashboardUri { get; private set; } = null!;

    /// <summary>The dashboard's login URL with its browser token, as the banner prints it for the user.</summary>
    public Uri DashboardLoginUri { get; private set; } = null!;

    /// <summary>The admin key for <c>/api/v1</c> (<c>Authorization: Bearer …</c>), as the run command prints it.</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>The key of the dashboard's telemetry API (<c>x-api-key</c>), from <c>{data}/dashboard-api-key</c>.</summary>
    public string DashboardApiKey { get; private set; } = "";

    private DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>
    /// The credential inference nodes, Registry, Compute and Deploy demand of every caller, as the platform created it in
    /// its data folder: for tests that call a node or a service directly, as the gateway and Deploy do.
    /// </summary>
    public PlatformCredential NodeCredential() =>
        new(File.ReadAllLines(Path.Combine(DataRoot, "internal-key")).First(l => l.Trim().Length > 0).Trim());

    /// <summary>A gRPC channel to one of the platform's services (Deploy, Registry, Compute) carrying the platform credential.</summary>
    public GrpcChannel ServiceChannel(string address) => GrpcChannel.ForAddress(address,
        new GrpcChannelOptions { HttpHandler = new PlatformCredentialHandler(NodeCredential()) { InnerHandler = new SocketsHttpHandler() } });

    /// <summary>An HttpClient on the gateway's REST endpoint with the admin key set.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = App.CreateHttpClient("gateway", "http");
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    /// <summary>An HttpClient on the dashboard's telemetry API (<c>/api/telemetry/…</c>) with its key set.</summary>
    public HttpClient CreateDashboardClient()
    {
        var client = App.CreateHttpClient(Dashboard, "http");
        client.Timeout = TimeSpan.FromSeconds(10);
        client.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
        return client;
    }

    /// <summary>
    /// Every replica of every service as Aspire sees it now (its resource snapshot): named as the service names itself
    /// (<c>inference-abcd1234</c>, its OpenTelemetry instance), with its own Kestrel endpoints (REST first, then gRPC),
    /// and the pid of the process DCP started for it (<c>dotnet run</c>, whose child is the service).
    /// </summary>
    public Task<PlatformStatus> GetResourcesAsync(CancellationToken cancellationToken = default)
    {
        var found = new List<PlatformResource>();
        foreach (var e in _resources.Values.Where(e => e.Resource is ProjectResource && e.Snapshot.State?.Text == KnownResourceStates.Running))
        {
            var service = e.Resource.Name;
            var env = e.Snapshot.EnvironmentVariables.GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.Last().Value ?? "");
            var instanceId = env.GetValueOrDefault("OTEL_RESOURCE_ATTRIBUTES", "").Split(',').Select(a => a.Split('=', 2))
                .FirstOrDefault(kv => kv.Length == 2 && kv[0] == "service.instance.id")?[1];
            var name = instanceId is null ? e.ResourceId : instanceId.StartsWith(service + "-", StringComparison.Ordinal) ? instanceId : $"{service}-{instanceId}";
            var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value && int.TryParse(value.ToString(), out var p) ? p : 0;
            found.Add(new PlatformResource(name, service,
                [env.GetValueOrDefault("Kestrel__Endpoints__http__Url", ""), env.GetValueOrDefault("Kestrel__Endpoints__grpc__Url", "")], pid));
        }
        return Task.FromResult(new PlatformStatus([.. found.OrderBy(r => r.Name, StringComparer.Ordinal)]));
    }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(PlatformFixture.StartTimeout);
        var starting = Stopwatch.StartNew();
        _builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(AppHostOptions),
            [
                "--data", DataRoot, "--gateway-port", _gatewayPort.ToString(), "--grpc-port", _grpcPort.ToString(),
                "--dashboard-port", _dashboardPort.ToString(), "--dashboard-otlp-port", _dashboardOtlpPort.ToString(),
                "--inference-nodes", "1", "--no-demo", "--quiet",
            ],
            (options, host) =>
            {
                // The dashboard and its telemetry API are part of what the journey tests look at.
                options.DisableDashboard = false;
                // The testing builder moves proxied endpoints that have a fixed port to random ones. Here only the
                // dashboard's are such (the gateway's fixed ports are its own, unproxied; every other port is already
                // picked by DCP), and the run command prints the dashboard's login URL from its configured port: keep
                // that, on the free ports picked above.
                host.Configuration!.AddInMemoryCollection(new Dictionary<string, string?> { ["DcpPublisher:RandomizePorts"] = "false" });
            },
            timeout.Token);

        // Environment builds are cached per machine between runs (a clean clone builds each content hash once).
        _builder.CreateResourceBuilder(_builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "registry"))
            .WithEnvironment("Environments__Root", PythonWheels.EnvironmentCache);
        var browserToken = _builder.Configuration["ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN"];

        try
        {
            _app = await _builder.BuildAsync(timeout.Token);
            _watching = WatchResourcesAsync(_app.ResourceNotifications, _stopWatching.Token);
            await _app.StartAsync(timeout.Token);
            await WaitUntilHealthyAsync(_app, timeout.Token);
        }
        catch (Exception ex)
        {
            var failure = Failure(timeout.IsCancellationRequested ? $"not healthy after {PlatformFixture.StartTimeout.TotalSeconds:0}s" : ex.Message, ex);
            await DisposeAsync();
            throw failure;
        }

        GatewayHttpUri = _app.GetEndpoint("gateway", "http");
        GatewayGrpcUri = _app.GetEndpoint("gateway", "grpc");
        DashboardUri = _app.GetEndpoint(Dashboard, "http");
        DashboardLoginUri = new Uri(DashboardUri, $"/login?t={browserToken}");
        AdminKey = (await File.ReadAllTextAsync(Path.Combine(DataRoot, "admin-key"))).Trim();
        DashboardApiKey = (await File.ReadAllTextAsync(Path.Combine(DataRoot, "dashboard-api-key"))).Trim();
        Console.WriteLine($"[platform] healthy through Aspire.Hosting.Testing after {starting.Elapsed.TotalSeconds:0.0}s " +
            $"(data {DataRoot}, {DcpProcesses().Count} DCP processes)");
    }

    /// <summary>Every service healthy (as the run command waits before its banner), and the dashboard running.</summary>
    private static async Task WaitUntilHealthyAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        // A server that cannot start stops the app (ServerFailureWatcher): stop waiting then too.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(
            cancellationToken, app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        await Task.WhenAll(model.Resources.OfType<ProjectResource>()
            .Select(project => app.ResourceNotifications.WaitForResourceHealthyAsync(project.Name, stopping.Token)));
        await app.ResourceNotifications.WaitForResourceAsync(Dashboard, KnownResourceStates.Running, stopping.Token);
    }

    /// <summary>The latest state of every resource instance (each replica has its own), as Aspire reports it.</summary>
    private async Task WatchResourcesAsync(ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync(cancellationToken)) _resources[e.ResourceId] = e;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private IReadOnlyList<string> Leftovers() =>
        [.. ProcessTable.ProcessesMentioning(DataRoot).Union(DcpProcesses())];

    /// <summary>
    /// DCP's own processes for this test process's app: DCP runs detached (not below this process) and watches the app
    /// host it serves (<c>dcp start-apiserver --monitor {pid} --kubeconfig {folder}/kubeconfig</c>); its controllers and
    /// process monitors name the same kubeconfig folder or the controllers' pid.
    /// </summary>
    private static IReadOnlyList<string> DcpProcesses()
    {
        var apiServers = ProcessTable.ProcessesMentioning($"--monitor {Environment.ProcessId} ").Where(p => p.Contains("/dcp ", StringComparison.Ordinal)).ToList();
        var folders = apiServers.Select(p => p.Split(' ')).Select(args => Array.IndexOf(args, "--kubeconfig") is var i and >= 0 && i + 1 < args.Length
            ? Path.GetDirectoryName(args[i + 1]) : null).OfType<string>().Distinct();
        var processes = apiServers.Union(folders.SelectMany(ProcessTable.ProcessesMentioning)).ToList();
        var controllers = processes.Where(p => p.Contains(" run-controllers ", StringComparison.Ordinal)).Select(p => p[..p.IndexOf(':')]);
        return [.. processes.Union(controllers.SelectMany(pid => ProcessTable.ProcessesMentioning($"--monitor {pid} ")))];
    }

    /// <summary>A TCP port free on 127.0.0.1 now (the app host's own helper is internal to it).</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private InvalidOperationException Failure(string reason, Exception inner)
    {
        var states = _resources.Values.OrderBy(e => e.ResourceId, StringComparer.Ordinal)
            .Select(e => $"{e.ResourceId}: {e.Snapshot.State?.Text ?? "?"}{(e.Snapshot.HealthStatus is { } health ? $" ({health})" : "")}").ToList();
        return new InvalidOperationException(
            $"The platform did not start: {reason}.{Environment.NewLine}Resources: {(states.Count == 0 ? "none" : string.Join(", ", states))}{Environment.NewLine}" +
            $"Logs: {Path.Combine(DataRoot, "logs")} (deleted when the fixture is disposed)", inner);
    }

    public async Task DisposeAsync()
    {
        var stopping = Stopwatch.StartNew();
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine($"[platform] the app did not stop within {StopTimeout.TotalSeconds:0}s");
            }
            await _app.DisposeAsync();
            _app = null;
        }
        await _stopWatching.CancelAsync();
        await _watching;
        if (_builder is not null)
        {
            await _builder.DisposeAsync();
            _builder = null;
        }

        // DCP stops every process it started when the app stops, then ends itself; a leftover would hold ports and
        // files of the next run. The services carry the data folder; DCP itself runs below this test process.
        var deadline = DateTime.UtcNow + StopTimeout;
        while (Leftovers() is { Count: > 0 } && DateTime.UtcNow < deadline) await Task.Delay(250);
        var leftovers = Leftovers();
        Console.WriteLine($"[platform] stopped after {stopping.Elapsed.TotalSeconds:0.0}s, {leftovers.Count} process(es) of it left");
        try { Directory.Delete(DataRoot, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        if (leftovers.Count > 0)
            throw new InvalidOperationException($"The platform left processes running after it stopped:{Environment.NewLine}{string.Join(Environment.NewLine, leftovers)}");
    }
}
