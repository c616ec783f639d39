using System.Diagnostics;
using System.Text;

namespace GrpcInterop.Tests.Interop;

/// <summary>Runs interop peers (python, node) as child processes.</summary>
internal static class PeerProcess
{
    public static ProcessStartInfo StartInfo(string fileName, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        // Peers must reach 127.0.0.1 directly, never through a proxy from the environment.
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy", "all_proxy", "ALL_PROXY" })
        {
            info.Environment.Remove(proxy);
        }
        return info;
    }

    /// <summary>Runs a process to completion; returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>A long-running peer server that prints "PORT n" when it listens; stopped by closing its stdin.</summary>
    public sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _errors = new();

        private Server(Process process, int port)
        {
            _process = process;
            Address = new Uri($"http://127.0.0.1:{port}");
        }

        public Uri Address { get; }

        public string Target => $"127.0.0.1:{Address.Port}";

        public static async Task<Server> StartAsync(ProcessStartInfo info)
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
            var errors = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    if (line.StartsWith("PORT ", StringComparison.Ordinal))
                    {
                        return new Server(process, int.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            process.Kill(entireProcessTree: true);
            lock (errors)
            {
                throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not start listening:\n{errors}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (Exception)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }
}
