using GrpcInterop.Tests.Infrastructure;

namespace GrpcInterop.Tests.Interop;

/// <summary>Stock grpcio clients call our server; each check is a case of Interop/Python/echo_client.py.</summary>
public sealed class PythonClientAgainstOurServerTests(EchoServer server, PythonPeer python)
    : IClassFixture<EchoServer>, IClassFixture<PythonPeer>
{
    [Theory]
    [InlineData("unary")]
    [InlineData("server_stream")]
    [InlineData("client_stream")]
    [InlineData("bidi_stream")]
    [InlineData("deadline")]
    [InlineData("error_status")]
    [InlineData("unhandled")]
    [InlineData("unimplemented")]
    [InlineData("big_message")]
    [InlineData("too_big")]
    [InlineData("metadata")]
    [InlineData("gzip")]
    [InlineData("health")]
    [InlineData("health_watch")]
    [InlineData("reflection")]
    public async Task Grpcio_client_check_passes(string check)
    {
        var (exitCode, output) = await python.RunClientAsync(server.Address, check);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"PASS {check}", output);
    }
}

/// <summary>Stock @grpc/grpc-js clients call our server; each check is a case of tools/node/echo-client.js.</summary>
public sealed class NodeClientAgainstOurServerTests(EchoServer server, NodePeer node)
    : IClassFixture<EchoServer>, IClassFixture<NodePeer>
{
    [Theory]
    [InlineData("unary")]
    [InlineData("server_stream")]
    [InlineData("client_stream")]
    [InlineData("bidi_stream")]
    [InlineData("deadline")]
    [InlineData("error_status")]
    [InlineData("unhandled")]
    [InlineData("unimplemented")]
    [InlineData("big_message")]
    [InlineData("too_big")]
    [InlineData("metadata")]
    [InlineData("health")]
    [InlineData("reflection")]
    public async Task Grpc_js_client_check_passes(string check)
    {
        var (exitCode, output) = await node.RunClientAsync(server.Address, check);
        Assert.True(exitCode == 0, output);
        Assert.Contains($"PASS {check}", output);
    }
}
