using System.Net;
using System.Net.Http.Json;
using Contracts.Clients;
using Contracts.Compute.V1;
using Grpc.Net.Client;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>
/// Compute answers only the platform (the gateway, Deploy, nodes registering): REST and gRPC without the platform
/// credential, or with a wrong one, get 401 / UNAUTHENTICATED and change nothing; with it they work; health stays open.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class PlatformCredentialTests(InfrastructureFixture infra) : IAsyncLifetime
{
    private ComputeApp _app = null!;
    private Uri _http = null!;
    private HttpClient _anonymous = null!;
    private GrpcChannel _anonymousGrpc = null!;
    private GrpcChannel _platformGrpc = null!;

    public async Task InitializeAsync()
    {
        var (app, grpc) = await ComputeApp.StartOnKestrelAsync(infra);
        _app = app;
        _http = new Uri(app.Settings["Kestrel:Endpoints:http:Url"]!);
        _anonymous = new HttpClient { BaseAddress = _http };
        _anonymousGrpc = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { MaxRetryAttempts = 0 });
        _platformGrpc = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { HttpHandler = TestPlatformCredential.Handler(new SocketsHttpHandler()) });
    }

    public async Task DisposeAsync()
    {
        _anonymous.Dispose();
        _anonymousGrpc.Dispose();
        _platformGrpc.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Rest_without_the_platform_credential_is_401_problem_details_and_creates_nothing()
    {
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Get, "/api/v1/computes"));
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Put, "/api/v1/computes/refused-box")
        {
            Content = JsonContent.Create(new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2", agentCount = 1 }),
        });
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Delete, "/api/v1/computes/local"));

        using var platform = new HttpClient(TestPlatformCredential.Handler(new SocketsHttpHandler())) { BaseAddress = _http };
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync("/api/v1/computes/refused-box")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/v1/computes/local")).StatusCode);
    }

    [Fact]
    public async Task Grpc_without_the_platform_credential_is_unauthenticated_and_registers_no_node()
    {
        var client = new Contracts.Compute.V1.Compute.ComputeClient(_anonymousGrpc);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(o => client.RegisterNodeAsync(new RegisterNodeRequest
        {
            NodeName = "intruder-0", HttpAddress = "http://127.0.0.1:7011", GrpcAddress = "http://127.0.0.1:7012",
            Capacity = new Capacity { CpuCores = 64, MemoryGb = 256 },
        }, o).ResponseAsync);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(o => client.GetKubernetesCredentialsAsync(new GetComputeRequest { Name = "local" }, o).ResponseAsync);

        var local = await new ComputeClient(_platformGrpc).GetComputeAsync("local");
        Assert.DoesNotContain(local.Nodes, n => n.Name == "intruder-0");
    }

    [Fact]
    public async Task With_the_platform_credential_rest_and_grpc_work()
    {
        using var platform = new HttpClient(TestPlatformCredential.Handler(new SocketsHttpHandler())) { BaseAddress = _http };
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/v1/computes")).StatusCode);
        var client = new ComputeClient(_platformGrpc);
        await client.RegisterNodeAsync(new RegisterNodeRequest
        {
            NodeName = "platform-0", HttpAddress = "http://127.0.0.1:7021", GrpcAddress = "http://127.0.0.1:7022",
            Capacity = new Capacity { CpuCores = 2, MemoryGb = 4 },
        });
        Assert.Contains((await client.GetComputeAsync("local")).Nodes, n => n.Name == "platform-0");
    }

    [Fact]
    public Task Health_answers_without_a_credential() => PlatformCredentialAssertions.AssertHealthOpenAsync(_anonymous, _anonymousGrpc);
}
