using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using TestSupport.Servers;

namespace TestSupport;

/// <summary>
/// The whole platform, started as the run command starts it (<c>dotnet AppHost.dll</c>) but on free ports and a
/// throw-away data folder; ready once the dashboard says every resource is healthy. Disposing stops it with SIGTERM.
/// The AppHost and the services must be built (test.sh builds the solution first).
/// xUnit wants a single public constructor on a collection fixture: wrap this class (a property holding
/// <c>new PlatformFixture(…)</c>) to share one platform across test classes.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Two cores start PostgreSQL, RabbitMQ and six .NET services; leave room for a busy CI machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly HashSet<int> _processGroups = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
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
        GatewayHttpUri = new Uri($"http://127.0.0.1:{PortAllocator.GetFreePort()}");
        GatewayGrpcUri = new Uri($"http://127.0.0.1:{PortAllocator.GetFreePort()}");
        DashboardUri = new Uri($"http://127.0.0.1:{PortAllocator.GetFreePort()}");
    }

    public int InferenceNodes { get; }

    public Uri GatewayHttpUri { get; }

    /// <summary>The gateway's gRPC (h2c) endpoint.</summary>
    public Uri GatewayGrpcUri { get; }

    public Uri DashboardUri { get; }

    /// <summary>The platform's data folder (<c>.data</c> of the run command).</summary>
    public string DataRoot { get; }

    /// <summary>The admin key for <c>/api/v1</c> (<c>Authorization: Bearer …</c>), as the run command prints it.</summary>
    public string AdminKey { get; private set; } = "";

    public int AppHostPid => _appHost?.Id ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>Every process group the AppHost has started so far (refreshed by <see cref="GetResourcesAsync"/>).</summary>
    public IReadOnlyCollection<int> ProcessGroups
    {
        get { lock (_processGroups) return [.. _processGroups]; }
    }

    /// <summary>The AppHost's console output (every resource's, prefixed), for diagnosing a failure.</summary>
    public string? OutputFile => _output?.FilePath;

    /// <summary>An HttpClient on the gateway with the admin key set.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = new HttpClient { BaseAddress = GatewayHttpUri };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        var appHost = FindAppHost();
        _output = new ProcessLog("apphost", Path.Combine(DataRoot, "apphost.out"), echoToConsole: false);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     appHost, "--data", DataRoot, "--gateway-port", GatewayHttpUri.Port.ToString(), "--grpc-port", GatewayGrpcUri.Port.ToString(),
                     "--dashboard-port", DashboardUri.Port.ToString(), "--inference-nodes", InferenceNodes.ToString(), "--no-demo",
                 })
            info.ArgumentList.Add(a);
        _appHost = new Process { StartInfo = info };
        _appHost.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Append(e.Data); };
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
    }

    /// <summary>The dashboard's view of every resource.</summary>
    public async Task<PlatformStatus> GetResourcesAsync(CancellationToken cancellationToken = default)
    {
        var status = await _http.GetFromJsonAsync<PlatformStatus>(new Uri(DashboardUri, "/api/resources"), Json, cancellationToken)
                     ?? throw new InvalidOperationException("The dashboard answered nothing.");
        lock (_processGroups)
            foreach (var resource in status.Resources)
                _processGroups.UnionWith(resource.ProcessGroups);
        return status;
    }

    /// <summary>Stops the platform as Ctrl+C would (SIGTERM to the AppHost) and returns its exit code.</summary>
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
                _output?.Append("the AppHost did not stop within 2 minutes of SIGTERM: killing it and everything it started", isError: true);
                _appHost.Kill(entireProcessTree: true);
                foreach (var group in ProcessGroups) Posix.SignalGroup(group, Posix.SIGKILL);
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
        PlatformStatus? last = null;
        while (true)
        {
            if (_appHost!.HasExited)
                throw Failure($"the AppHost exited with code {_appHost.ExitCode} before the platform was ready", last);
            try
            {
                last = await GetResourcesAsync();
                if (last.Error is not null) throw Failure($"the AppHost reported: {last.Error}", last);
                if (last.Ready) return;
            }
            catch (HttpRequestException)
            {
                // The dashboard is not listening yet.
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw Failure($"not ready after {StartTimeout.TotalSeconds:0}s", last);
            await Task.Delay(500);
        }
    }

    private InvalidOperationException Failure(string reason, PlatformStatus? status)
    {
        var states = status is null ? "(the dashboard never answered)"
            : string.Join(", ", status.Resources.Select(r => $"{r.Name}={r.State} (restarts {r.Restarts})"));
        var tail = string.Join(Environment.NewLine, _output?.Tail(40).Select(l => l.Text) ?? []);
        return new InvalidOperationException(
            $"The platform did not start: {reason}.{Environment.NewLine}Resources: {states}{Environment.NewLine}" +
            $"Logs: {Path.Combine(DataRoot, "logs")} (deleted when the fixture is disposed){Environment.NewLine}Last output:{Environment.NewLine}{tail}");
    }

    private static string FindAppHost()
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

/// <summary>What the dashboard's <c>/api/resources</c> says.</summary>
public sealed record PlatformStatus(bool Ready, string? Error, IReadOnlyList<PlatformResource> Resources)
{
    public PlatformResource this[string name] => Resources.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No resource named '{name}'; there are {string.Join(", ", Resources.Select(r => r.Name))}.");
}

public sealed record PlatformResource(
    string Name, string Type, string State, IReadOnlyList<string> Addresses, int Restarts, int? Pid,
    IReadOnlyList<int> ProcessGroups, int? ExitCode, DateTimeOffset? StartedAt, string? LogFile);
