using System.Net;
using System.Net.Http.Json;
using Contracts.Clients;
using Contracts.Deploy.V1;
using Grpc.Net.Client;
using TestSupport;

namespace Deploy.Tests;

/// <summary>
/// Deploy answers only the platform (the gateway): REST and gRPC without the platform credential, or with a wrong one,
/// get 401 / UNAUTHENTICATED and change nothing; with it they work; health stays open.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class PlatformCredentialTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private DeployServiceFactory _factory = null!;
    private HttpClient _anonymous = null!;
    private GrpcChannel _anonymousGrpc = null!;

    public Task InitializeAsync()
    {
        _factory = new DeployServiceFactory(infrastructure, "deploy_credential_tests");
        _factory.CreateClient().Dispose(); // starts the host
        _anonymous = _factory.Server.CreateClient();
        _anonymousGrpc = GrpcChannel.ForAddress(new Uri("http://localhost"),
            new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler(), MaxRetryAttempts = 0 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _anonymous.Dispose();
        _anonymousGrpc.Dispose();
        await _factory.DisposeAsync();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Rest_without_the_platform_credential_is_401_problem_details_and_changes_nothing()
    {
        var refused = Unique("refused");
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Get, "/api/v1/endpoints"));
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous,
            () => new(HttpMethod.Put, $"/api/v1/endpoints/{refused}") { Content = JsonContent.Create(new { authMode = "key" }) });

        using var platform = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync($"/api/v1/endpoints/{refused}")).StatusCode);
        var kept = Unique("kept");
        Assert.Equal(HttpStatusCode.Created, (await platform.PutAsJsonAsync($"/api/v1/endpoints/{kept}", new { authMode = "key" })).StatusCode);
        await PlatformCredentialAssertions.AssertRestRefusedAsync(_anonymous, () => new(HttpMethod.Delete, $"/api/v1/endpoints/{kept}"));
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/v1/endpoints/{kept}")).StatusCode);
    }

    [Fact]
    public async Task Grpc_without_the_platform_credential_is_unauthenticated()
    {
        var client = new Contracts.Deploy.V1.Deploy.DeployClient(_anonymousGrpc);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(o => client.GetRoutingTableAsync(new GetRoutingTableRequest(), o).ResponseAsync);
        await PlatformCredentialAssertions.AssertGrpcRefusedAsync(o => client.GetEndpointAsync(new GetEndpointRequest { Name = "e" }, o).ResponseAsync);
    }

    [Fact]
    public async Task With_the_platform_credential_rest_and_grpc_work()
    {
        var endpoint = Unique("works");
        using var platform = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await platform.PutAsJsonAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key" })).StatusCode);
        var table = await new DeployClient(_factory.CreateGrpcChannel()).GetRoutingTableAsync();
        Assert.Contains(table.Endpoints, e => e.Name == endpoint);
    }

    [Fact]
    public Task Health_answers_without_a_credential() => PlatformCredentialAssertions.AssertHealthOpenAsync(_anonymous, _anonymousGrpc);
}
