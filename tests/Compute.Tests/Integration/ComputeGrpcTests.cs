using System.Net;
using Contracts.Clients;
using Contracts.Compute.V1;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>compute.v1 over a real h2c socket, through the typed client other services use.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class ComputeGrpcTests(InfrastructureFixture infra) : IAsyncLifetime
{
    private ComputeApp _app = null!;
    private ComputeClient _client = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var (app, grpc) = await ComputeApp.StartOnKestrelAsync(infra);
        _app = app;
        // A channel of its own (not the shared one per address), closed before the service stops.
        _channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { HttpHandler = TestPlatformCredential.Handler(new SocketsHttpHandler()) });
        _client = new ComputeClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _app.DisposeAsync();
    }

    private static RegisterNodeRequest Node(string name, double cores, double memory, int gpus = 0) => new()
    {
        NodeName = name, HttpAddress = $"http://127.0.0.1:70{name[^1]}1", GrpcAddress = $"http://127.0.0.1:70{name[^1]}2",
        Capacity = new Capacity { CpuCores = cores, MemoryGb = memory, Gpus = gpus },
        LoadedModels = { "mnist:1" },
    };

    [Fact]
    public async Task Nodes_register_heartbeat_and_are_reserved_on_through_grpc()
    {
        var lease = await _client.RegisterNodeAsync(Node("inference-0", 4, 8));
        Assert.Equal(30, lease.HeartbeatIntervalSeconds);
        Assert.Equal(90, lease.LeaseSeconds);
        await _client.RegisterNodeAsync(Node("inference-1", 4, 8));
        await _client.HeartbeatAsync(new HeartbeatRequest { NodeName = "inference-0", InUse = new Capacity { CpuCores = 0.5, MemoryGb = 1 } });

        var local = await _client.GetComputeAsync("local");
        Assert.Equal("Succeeded", local.ProvisioningState);
        Assert.Equal(8, local.Capacity.CpuCores);
        Assert.Equal(["inference-0", "inference-1"], local.Nodes.Select(n => n.Name));
        Assert.All(local.Nodes, n => Assert.Equal("Healthy", n.State));
        Assert.Equal(0.5, local.Nodes[0].InUse.CpuCores);

        var reserved = await _client.ReserveAsync(new ReserveRequest { ReservationId = "ep/blue", Compute = "local", Instances = 2, CpuCores = 0.1, MemoryGb = 0.2 });
        Assert.Equal(["inference-0", "inference-1"], reserved.Placements.Select(p => p.NodeName).Order());
        Assert.Contains(reserved.Placements, p => p.GrpcAddress == "http://127.0.0.1:7002");

        var after = await _client.GetComputeAsync("local");
        Assert.Equal(7.8, after.Free.CpuCores, 6);
        Assert.True((await _client.ReleaseAsync("ep/blue")).Released);
        Assert.Equal(8, (await _client.GetComputeAsync("local")).Free.CpuCores);
        Assert.Contains((await _client.ListComputesAsync()).Computes, c => c.Name == "local");
    }

    [Fact]
    public async Task Too_large_a_reservation_is_resource_exhausted_saying_what_is_short()
    {
        await _client.RegisterNodeAsync(Node("inference-5", 2, 4, gpus: 0));
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.ReserveAsync(new ReserveRequest { ReservationId = "e/gpu", Compute = "local", Instances = 1, CpuCores = 1, MemoryGb = 1, Gpus = 1 }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("gpus: need 1, free 0", error.Status.Detail);
    }

    [Fact]
    public async Task Errors_carry_the_status_codes_of_the_architecture()
    {
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => _client.GetComputeAsync("nowhere"))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            _client.HeartbeatAsync(new HeartbeatRequest { NodeName = "never-registered" }))).StatusCode);

        var invalid = await Assert.ThrowsAsync<RpcException>(() => _client.RegisterNodeAsync(new RegisterNodeRequest { NodeName = "bad name", HttpAddress = "nope" }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("nodeName", invalid.Status.Detail);
        Assert.Contains("httpAddress", invalid.Status.Detail);
        Assert.Contains("grpcAddress", invalid.Status.Detail);
        Assert.Contains("capacity.cpuCores", invalid.Status.Detail);

        var badReserve = await Assert.ThrowsAsync<RpcException>(() => _client.ReserveAsync(new ReserveRequest { ReservationId = "x", Compute = "local", Instances = 0, CpuCores = 1 }));
        Assert.Equal(StatusCode.InvalidArgument, badReserve.StatusCode);
        Assert.Contains("instances", badReserve.Status.Detail);
    }

    [Fact]
    public async Task A_compute_still_provisioning_or_failed_refuses_reservations_with_failed_precondition()
    {
        using var http = new HttpClient(TestPlatformCredential.Handler(new SocketsHttpHandler())) { BaseAddress = new Uri(_app.Settings["Kestrel:Endpoints:http:Url"]!) };
        await (await http.PutComputeAsync("aks-broken", new
        {
            type = "kubernetes", purpose = "DevTest",
            kubernetes = new { apiServer = "http://127.0.0.1:1", token = "t" },
        })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("Failed", (await http.WaitProvisionedAsync("aks-broken")).GetProperty("provisioningState").GetString());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.ReserveAsync(new ReserveRequest { ReservationId = "e/d", Compute = "aks-broken", Instances = 1, CpuCores = 1, MemoryGb = 1 }));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("is Failed", error.Status.Detail);
        Assert.Equal("Failed", (await _client.GetComputeAsync("aks-broken")).ProvisioningState);
    }

    [Fact]
    public async Task Deploy_gets_a_kubernetes_computes_connection_with_its_token_and_nothing_for_other_computes()
    {
        const string token = "eyJhbGciOiJSUzI1NiJ9.deploy-service-account.secret-456";
        await using var apiServer = await FakeKubernetesApiServer.StartAsync(token);
        using var http = new HttpClient(TestPlatformCredential.Handler(new SocketsHttpHandler())) { BaseAddress = new Uri(_app.Settings["Kestrel:Endpoints:http:Url"]!) };
        await (await http.PutComputeAsync("aks-creds", new
        {
            type = "kubernetes", purpose = "DevTest", vmSize = "Standard_D3_v2", agentCount = 1,
            kubernetes = new { apiServer = apiServer.Address.ToString(), @namespace = "models", token },
        })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("Succeeded", (await http.WaitProvisionedAsync("aks-creds")).GetProperty("provisioningState").GetString());

        var credentials = await _client.GetKubernetesCredentialsAsync("AKS-creds");
        Assert.Equal(apiServer.Address.ToString(), credentials.ApiServer);
        Assert.Equal("models", credentials.Namespace);
        Assert.Equal(token, credentials.Token);
        // GetCompute still never carries the token.
        Assert.DoesNotContain("secret-456", (await _client.GetComputeAsync("aks-creds")).ToString());

        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => _client.GetKubernetesCredentialsAsync("local"))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => _client.GetKubernetesCredentialsAsync("nowhere"))).StatusCode);
    }
}
