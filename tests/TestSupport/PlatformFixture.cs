using AppHost.Servers;
using System.Diagnostics;
using System.Reflection;
using ServiceDefaults.Security;
using TestSupport.Servers;

namespace TestSupport;

/// <summary>
/// The whole platform, started as the run command starts it (<c>dotnet AppHost.dll</c>, the Aspire app host) but on
/// free ports and a throw-away data folder; ready once the app host prints its banner (it does when every service is
/// healthy) and the gateway answers /health. Disposing stops it with SIGTERM, as Ctrl+C would.
/// The app host and the services must be built (test.sh builds the solution first).
/// xUnit wants a single public constructor on a collection fixture: wrap this class (a property holding
/// <c>new PlatformFixture(…)</c>) to share one platform across test classes.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Two cores start PostgreSQL, RabbitMQ, DCP, the dashboard and six .NET services; leave room for a busy CI machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    public const string ReadyLine = "Platform is running";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private TaskCompletionSource _bannerSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _starts;
    private Process? _appHost;
    private ProcessLog? _output;
    private int? _exitCode;

    public PlatformFixture() : this(inferenceNodes: 1)
    {
    }

    public PlatformFixture(int inferenceNodes)
    {
        InferenceNodes = inferenceNodes;
        DataRoot = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
        Posix.SetMode(DataRoot, (UnixFileMode)0b111_101_101);
        GatewayHttpUri = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        GatewayGrpcUri = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        DashboardUri = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        DashboardOtlpPort = FreePort.Next();
    }

    public int InferenceNodes { get; }

    public Uri GatewayHttpUri { get; }

    /// <summary>The gateway's gRPC (h2c) endpoint.</summary>
    public Uri GatewayGrpcUri { get; }

    /// <summary>The Aspire dashboard (its UI needs the browser token; its telemetry API, <see cref="DashboardApiKey"/>).</summary>
    public Uri DashboardUri { get; }

    public int DashboardOtlpPort { get; }

    /// <summary>The dashboard's login URL with its browser token, as the banner prints it for the user.</summary>
    public Uri? DashboardLoginUri { get; private set; }

    /// <summary>The platform's data folder (<c>.data</c> of the run command).</summary>
    public string DataRoot { get; }

    /// <summary>The admin key for <c>/api/v1</c> (<c>Authorization: Bearer …</c>), as the run command prints it.</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>
    /// The credential inference nodes, Registry, Compute and Deploy demand of every caller, as the platform created it in
    /// its data folder: for tests that call a node or a service directly, as the gateway and Deploy do.
    /// </summary>
    public PlatformCredential NodeCredential() =>
        new(File.ReadAllLines(Path.Combine(DataRoot, "internal-key")).First(l => l.Trim().Length > 0).Trim());

    /// <summary>A gRPC channel to one of the platform's services (Deploy, Registry, Compute) carrying the platform credential.</summary>
    public Grpc.Net.Client.GrpcChannel ServiceChannel(string address) => Grpc.Net.Client.GrpcChannel.ForAddress(address,
        new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = new PlatformCredentialHandler(NodeCredential()) { InnerHandler = new SocketsHttpHandler() } });

    /// <summary>The key of the dashboard's telemetry API (<c>x-api-key</c>), from <c>{data}/dashboard-api-key</c>.</summary>
    public string DashboardApiKey { get; private set; } = "";

    public int AppHostPid => _appHost?.Id ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>The app host's console output, for diagnosing a failure.</summary>
    public string? OutputFile => _output?.FilePath;

    /// <summary>An HttpClient on the gateway with the admin key set.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = new HttpClient { BaseAddress = GatewayHttpUri };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    /// <summary>An HttpClient on the dashboard's telemetry API (<c>/api/telemetry/…</c>) with its key set.</summary>
    public HttpClient CreateDashboardClient()
    {
        var client = new HttpClient { BaseAddress = DashboardUri, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        var appHost = FindAppHost();
        _starts++;
        _output = new ProcessLog("apphost", Path.Combine(DataRoot, _starts == 1 ? "apphost.out" : $"apphost-{_starts}.out"), echoToConsole: false);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     appHost, "--data", DataRoot, "--gateway-port", GatewayHttpUri.Port.ToString(), "--grpc-port", GatewayGrpcUri.Port.ToString(),
                     "--dashboard-port", DashboardUri.Port.ToString(), "--dashboard-otlp-port", DashboardOtlpPort.ToString(),
                     "--inference-nodes", InferenceNodes.ToString(), "--no-demo", "--quiet",
                 })
            info.ArgumentList.Add(a);
        // Environment builds are cached per machine between runs (a clean clone builds each content hash once).
        info.Environment["Environments__Root"] = PythonWheels.EnvironmentCache;
        _appHost = new Process { StartInfo = info };
        _appHost.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _output.Append(e.Data);
            if (e.Data.Contains(ReadyLine, StringComparison.Ordinal)) _bannerSeen.TrySetResult();
            if (e.Data.IndexOf("/login?t=", StringComparison.Ordinal) is > 0 && e.Data.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1] is var url
                && Uri.TryCreate(url, UriKind.Absolute, out var login)) DashboardLoginUri = login;
        };
        _appHost.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Append(e.Data, isError: true); };
        _appHost.Start();
        _appHost.BeginOutputReadLine();
        _appHost.BeginErrorReadLine();

        try
        {
            await WaitUntilReadyAsync();
        }
        catch
        {
            await StopAsync();
            throw;
        }
        AdminKey = (await File.ReadAllTextAsync(Path.Combine(DataRoot, "admin-key"))).Trim();
        DashboardApiKey = (await File.ReadAllTextAsync(Path.Combine(DataRoot, "dashboard-api-key"))).Trim();
    }

    /// <summary>
    /// The platform's service processes as they run now, read from /proc: each one the app host started for this data
    /// folder, by its instance name (<c>registry-abcd1234</c>, found by service name too when it has one instance).
    /// </summary>
    public Task<PlatformStatus> GetResourcesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new PlatformStatus(ServiceProcesses.Find(DataRoot)));

    /// <summary>
    /// Stops the platform as Ctrl+C would and starts it again on the same data folder and ports, as a user restarting
    /// it (or the machine) would; returns once the gateway is healthy again. Service instances get new names.
    /// </summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _appHost?.Dispose();
        _output?.Dispose();
        _exitCode = null;
        _bannerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await InitializeAsync();
    }

    /// <summary>Stops the platform as Ctrl+C would (SIGTERM to the app host) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_exitCode is { } done) return done;
        if (_appHost is null) return 0;
        if (!_appHost.HasExited)
        {
            Posix.Signal(_appHost.Id, Posix.SIGTERM);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await _appHost.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _output?.Append("the app host did not stop within 2 minutes of SIGTERM: killing it", isError: true);
                _appHost.Kill(entireProcessTree: true);
                await _appHost.WaitForExitAsync(CancellationToken.None);
            }
        }
        _exitCode = _appHost.ExitCode;
        return _exitCode.Value;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        _appHost?.Dispose();
        _http.Dispose();
        _output?.Dispose();
        try { Directory.Delete(DataRoot, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_appHost!.HasExited)
                throw Failure($"the app host exited with code {_appHost.ExitCode} before the platform was ready");
            if (_bannerSeen.Task.IsCompleted && await GatewayHealthyAsync()) return;
            if (DateTime.UtcNow > deadline) throw Failure($"not ready after {StartTimeout.TotalSeconds:0}s");
            await Task.Delay(500);
        }
    }

    private async Task<bool> GatewayHealthyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(GatewayHttpUri, "/health"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private InvalidOperationException Failure(string reason)
    {
        var running = string.Join(", ", ServiceProcesses.Find(DataRoot).Select(r => r.Name));
        var tail = string.Join(Environment.NewLine, _output?.Tail(40).Select(l => l.Text) ?? []);
        return new InvalidOperationException(
            $"The platform did not start: {reason}.{Environment.NewLine}Services running: {(running.Length == 0 ? "none" : running)}{Environment.NewLine}" +
            $"Logs: {Path.Combine(DataRoot, "logs")} (deleted when the fixture is disposed){Environment.NewLine}Last output:{Environment.NewLine}{tail}");
    }

    /// <summary>AppHost.dll in its own build folder, beside the metadata that tells it where DCP and the dashboard are.</summary>
    public static string FindAppHost()
    {
        var configuration = typeof(PlatformFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Aspire.sln"))) continue;
            var path = Path.Combine(dir.FullName, "AppHost", "bin", configuration, "net10.0", "AppHost.dll");
            if (File.Exists(path)) return path;
            throw new FileNotFoundException($"{path} does not exist: build the solution first (dotnet build Aspire.sln -c {configuration}).");
        }
        throw new DirectoryNotFoundException($"No Aspire.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The platform's service processes at one moment.</summary>
public sealed record PlatformStatus(IReadOnlyList<PlatformResource> Resources)
{
    /// <summary>By instance name (<c>inference-ebpqfevc</c>), or by service name (<c>deploy</c>) when the service has one instance.</summary>
    public PlatformResource this[string name] =>
        Resources.FirstOrDefault(r => r.Name == name)
        ?? (Resources.Count(r => r.Service == name) == 1 ? Resources.Single(r => r.Service == name) : null)
        ?? throw new KeyNotFoundException($"No single service process named '{name}'; there are {string.Join(", ", Resources.Select(r => r.Name))}.");
}

/// <summary>One service process: its addresses are its own Kestrel endpoints (REST first, then gRPC), not DCP's proxies.</summary>
public sealed record PlatformResource(string Name, string Service, IReadOnlyList<string> Addresses, int Pid);
