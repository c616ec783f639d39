using System.Diagnostics;

namespace GrpcInterop.Tests.Interop;

/// <summary>
/// @grpc/grpc-js (pinned in tools/node/package-lock.json) as a real gRPC peer. scripts/setup.sh
/// runs <c>npm ci</c> there; if node_modules is missing, this fixture runs it too.
/// </summary>
public sealed class NodePeer : IAsyncLifetime
{
    private PeerProcess.Server? _server;

    public Uri ServerAddress => _server!.Address;

    public async Task InitializeAsync()
    {
        if (!Directory.Exists(Path.Combine(RepositoryPaths.NodePeer, "node_modules", "@grpc", "grpc-js")))
        {
            var install = PeerProcess.StartInfo("npm", RepositoryPaths.NodePeer, null, "ci", "--no-audit", "--no-fund");
            var (exitCode, text) = await PeerProcess.RunAsync(install, TimeSpan.FromMinutes(5));
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in tools/node failed:\n{text}");
            }
        }
        _server = await PeerProcess.Server.StartAsync(Script("echo-server.js"));
    }

    public Task<(int ExitCode, string Output)> RunClientAsync(Uri target, string checkName) =>
        PeerProcess.RunAsync(Script("echo-client.js", $"127.0.0.1:{target.Port}", checkName), TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static ProcessStartInfo Script(string script, params string[] arguments) =>
        PeerProcess.StartInfo("node", RepositoryPaths.NodePeer, null, [script, .. arguments]);
}
