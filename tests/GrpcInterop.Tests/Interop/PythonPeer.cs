using System.Diagnostics;

namespace GrpcInterop.Tests.Interop;

/// <summary>
/// Debian's python3-grpcio as a real gRPC peer: stubs generated now with grpc_tools.protoc, an
/// Echo server started, and a client run per check. Always /usr/bin/python3 (the system
/// interpreter with the Debian packages), never whichever python3 is first on PATH.
/// </summary>
public sealed class PythonPeer : IAsyncLifetime
{
    public const string Python = "/usr/bin/python3";

    private readonly string _stubs = Path.Combine(Path.GetTempPath(), "grpc-interop-python-" + Guid.NewGuid().ToString("N"));
    private PeerProcess.Server? _server;

    public Uri ServerAddress => _server!.Address;

    public async Task InitializeAsync()
    {
        // health.proto and reflection.proto are copied under another folder: a top-level python
        // package named "grpc" would hide grpcio itself. The proto packages (wire names) stay the same.
        var protos = Path.Combine(_stubs, "protos", "interop_peer");
        var output = Path.Combine(_stubs, "out");
        Directory.CreateDirectory(protos);
        Directory.CreateDirectory(output);
        File.Copy(Path.Combine(RepositoryPaths.StandardProtos, "grpc", "health", "v1", "health.proto"), Path.Combine(protos, "health.proto"));
        File.Copy(Path.Combine(RepositoryPaths.StandardProtos, "grpc", "reflection", "v1alpha", "reflection.proto"), Path.Combine(protos, "reflection.proto"));

        var generate = PeerProcess.StartInfo(Python, _stubs, null,
            "-m", "grpc_tools.protoc",
            "-I" + RepositoryPaths.EchoProtos, "-I" + Path.Combine(_stubs, "protos"),
            "--python_out=" + output, "--grpc_python_out=" + output,
            "interop/test/v1/echo.proto", "interop_peer/health.proto", "interop_peer/reflection.proto");
        var (exitCode, text) = await PeerProcess.RunAsync(generate, TimeSpan.FromSeconds(60));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"grpc_tools.protoc failed (are python3-grpcio and python3-grpc-tools installed? scripts/setup.sh installs them):\n{text}");
        }
        _server = await PeerProcess.Server.StartAsync(Script("echo_server.py"));
    }

    public Task<(int ExitCode, string Output)> RunClientAsync(Uri target, string checkName) =>
        PeerProcess.RunAsync(Script("echo_client.py", $"127.0.0.1:{target.Port}", checkName), TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_stubs, recursive: true);
    }

    private ProcessStartInfo Script(string script, params string[] arguments) =>
        PeerProcess.StartInfo(Python, _stubs, new Dictionary<string, string> { ["PYTHONPATH"] = Path.Combine(_stubs, "out") },
            [Path.Combine(RepositoryPaths.PythonPeer, script), .. arguments]);
}
