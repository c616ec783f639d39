using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace GrpcBench;

/// <summary>Child processes: our server (this program in server mode) and the grpc-js server and client.</summary>
internal static class Peers
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string NodeDirectory => Path.Combine(RepositoryRoot, "tools", "node");

    public static Task<ServerProcess> StartOurServerAsync(string mode)
    {
        var self = Environment.ProcessPath!;
        var info = self.EndsWith("dotnet", StringComparison.Ordinal)
            ? Start(self, RepositoryRoot, typeof(Peers).Assembly.Location, mode)
            : Start(self, RepositoryRoot, mode);
        return ServerProcess.StartAsync(info);
    }

    public static Task<ServerProcess> StartNodeServerAsync() =>
        ServerProcess.StartAsync(Start("node", NodeDirectory, "bench-server.js"));

    /// <summary>Runs the grpc-js client, which prints one JSON line with its results.</summary>
    public static async Task<LoadResult> RunNodeClientAsync(int port, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var info = Start("node", NodeDirectory, "bench-client.js", $"127.0.0.1:{port}",
            concurrency.ToString(CultureInfo.InvariantCulture),
            warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            duration.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench-client.js failed:\n{output}\n{errors}");
        }
        using var json = JsonDocument.Parse(output.Trim().Split('\n').Last());
        var root = json.RootElement;
        return new LoadResult("grpc-js -> grpc-js", concurrency, root.GetProperty("calls").GetInt64(), root.GetProperty("seconds").GetDouble(),
            root.GetProperty("p50_us").GetDouble(), root.GetProperty("p99_us").GetDouble());
    }

    private static ProcessStartInfo Start(string fileName, string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Aspire.sln")) || Directory.Exists(Path.Combine(directory.FullName, "tools", "node")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Could not find the repository root above " + AppContext.BaseDirectory);
    }

    internal sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static async Task<ServerProcess> StartAsync(ProcessStartInfo info)
        {
            var process = Process.Start(info)!;
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
            process.BeginErrorReadLine();
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("PORT ", StringComparison.Ordinal))
                {
                    return new ServerProcess(process, int.Parse(line[5..], CultureInfo.InvariantCulture));
                }
            }
            throw new InvalidOperationException($"{info.FileName} exited before listening.");
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }
}
