using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TestSupport;

namespace AppHost.Tests;

/// <summary>
/// The app host as the run command starts it: a server that cannot start ends the run with one clear error, and
/// killing the app host outright leaves nothing of the platform running (DCP watches it and stops everything).
/// </summary>
public sealed class AppHostProcessTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("apphost-process-").FullName;
    private readonly List<Process> _started = [];

    [Fact]
    public async Task The_run_ends_with_one_error_naming_postgres_and_its_log_when_postgres_cannot_start()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        using var appHost = StartAppHost("--postgres-port", port.ToString(), "--dashboard-port", "0");
        var stderr = appHost.StandardError.ReadToEndAsync();
        var stdout = appHost.StandardOutput.ReadToEndAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await appHost.WaitForExitAsync(timeout.Token);

        var errors = await stderr;
        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains("error: PostgreSQL failed to start", errors);
        Assert.Contains(Path.Combine(_data, "logs", "postgres.log"), errors);
        Assert.Contains("could not", await File.ReadAllTextAsync(Path.Combine(_data, "logs", "postgres.log")));
        Assert.DoesNotContain("Platform is running", await stdout);
        Assert.Empty(await LeftoversAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Killing_the_app_host_with_SIGKILL_leaves_no_process_of_the_platform_within_60_seconds()
    {
        using var appHost = StartAppHost("--inference-nodes", "1", "--dashboard-port", FreePort(), "--dashboard-otlp-port", FreePort(),
            "--gateway-port", FreePort(), "--grpc-port", FreePort());
        var banner = new TaskCompletionSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        appHost.OutputDataReceived += (_, e) => { if (e.Data?.Contains(PlatformFixture.ReadyLine) == true) banner.TrySetResult(); };
        appHost.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();
        await Task.WhenAny(banner.Task, appHost.WaitForExitAsync()).WaitAsync(PlatformFixture.StartTimeout);
        Assert.False(appHost.HasExited, $"the app host exited before the platform was up: {string.Join(Environment.NewLine, errors)}");
        Assert.NotEmpty(ServiceProcesses.Find(_data));
        Assert.NotEmpty(ProcessTable.ProcessesMentioning(_data));

        appHost.Kill(); // SIGKILL: no chance to stop anything itself

        Assert.Empty(await LeftoversAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_run_beside_a_stray_epmd_on_the_default_port_starts_with_its_own_epmd_and_a_stop_leaves_none()
    {
        // An epmd of the machine's (or one an earlier aborted run left) on 4369 must neither stop us nor be used by us.
        // Not disposed here: Dispose ends the processes the test started, and a disposed Process can no longer be killed.
        var stray = AnswersOnLoopback(4369) ? null : StartStrayEpmd(4369);
        await using var platform = new PlatformFixture(inferenceNodes: 1);
        await platform.InitializeAsync();

        var ours = EpmdProcesses(platform.DataRoot);
        Assert.Single(ours);
        Assert.DoesNotContain("-daemon", ours[0]);
        Assert.DoesNotContain("4369", ours[0]);

        Assert.Equal(0, await platform.StopAsync());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ProcessTable.ProcessesMentioning(platform.DataRoot).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(500);
        Assert.Empty(ProcessTable.ProcessesMentioning(platform.DataRoot));
        Assert.True(stray is null || !stray.HasExited, "the stray epmd must be left alone");
    }

    [Fact]
    public async Task The_rabbitmq_run_script_refuses_to_start_without_the_platforms_epmd_and_starts_none_itself()
    {
        // Erlang would otherwise start an `epmd -daemon` on this port, outside our process tree, outliving the run.
        var epmdPort = int.Parse(FreePort());
        var script = Path.Combine(Path.GetDirectoryName(PlatformFixture.FindAppHost())!, "Servers", "rabbitmq-run.sh");
        var info = new ProcessStartInfo("bash", [script, Path.Combine(_data, "messaging"), Path.Combine(_data, "logs", "rabbitmq.log")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["ERL_EPMD_PORT"] = epmdPort.ToString();
        info.Environment["RABBITMQ_NODENAME"] = "epmd-guard-test@localhost";
        using var run = Process.Start(info)!;
        _started.Add(run);
        var output = run.StandardOutput.ReadToEndAsync();
        var errors = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"epmd does not answer on 127.0.0.1:{epmdPort}", await errors + await output);
        await Task.Delay(1000);
        Assert.False(AnswersOnLoopback(epmdPort), $"something listens on the epmd port {epmdPort}");
    }

    /// <summary>epmd processes of a data folder (its working folder, or the environment of the VM that spawned it).</summary>
    private static List<string> EpmdProcesses(string dataRoot) =>
        ProcessTable.ProcessesMentioning(dataRoot).Where(p => p.Split(' ', 3)[1].EndsWith("epmd", StringComparison.Ordinal)).ToList();

    private static bool AnswersOnLoopback(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private Process StartStrayEpmd(int port)
    {
        var process = Process.Start(new ProcessStartInfo("epmd", ["-port", port.ToString(), "-address", "127.0.0.1"]) { UseShellExecute = false })!;
        _started.Add(process);
        return process;
    }

    private Process StartAppHost(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { PlatformFixture.FindAppHost(), "--data", _data, "--no-demo", "--quiet" }.Concat(arguments))
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        _started.Add(process);
        return process;
    }

    /// <summary>What still runs for our data folder (services, servers, their init steps) once <paramref name="within"/> has passed.</summary>
    private async Task<IReadOnlyList<string>> LeftoversAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var left = ProcessTable.ProcessesMentioning(_data);
            if (left.Count == 0 || DateTime.UtcNow > deadline) return left;
            await Task.Delay(500);
        }
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString();
    }

    public void Dispose()
    {
        // A failed test must not leave a platform running: DCP stops what it started once the app host is gone.
        foreach (var process in _started)
        {
            try { process.Kill(); }
            catch (InvalidOperationException) { } // exited, or disposed by its test
            process.Dispose();
        }
        try { Directory.Delete(_data, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
