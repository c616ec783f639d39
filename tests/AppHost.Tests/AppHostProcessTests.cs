using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TestSupport;

namespace AppHost.Tests;

/// <summary>The AppHost as the run command starts it: a server that cannot start ends it with one clear error, no hang.</summary>
public sealed class AppHostProcessTests
{
    [Fact]
    public async Task AppHost_exits_with_an_error_naming_postgres_and_its_log_when_postgres_cannot_start()
    {
        var data = Directory.CreateTempSubdirectory("apphost-pgfail-").FullName;
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        try
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
                     {
                         Path.Combine(AppContext.BaseDirectory, "AppHost.dll"), "--data", data, "--postgres-port", port.ToString(),
                         "--dashboard-port", "0", "--gateway-port", "0", "--grpc-port", "0", "--quiet",
                     })
                info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);

            var errors = await stderr;
            Assert.Equal(1, process.ExitCode);
            Assert.Contains("PostgreSQL failed to start", errors);
            Assert.Contains(Path.Combine(data, "logs", "postgres.log"), errors);
            Assert.Empty(ProcessTable.ProcessesMentioning(data));
            _ = await stdout;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
