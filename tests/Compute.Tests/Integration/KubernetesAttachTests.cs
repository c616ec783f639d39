using System.Net;
using Compute.Service.Provisioning;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Compute.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class KubernetesAttachTests(SharedComputeApp shared) : IClassFixture<SharedComputeApp>
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.test-service-account.token-value-123";
    private readonly HttpClient _client = shared.Client;

    private static object Attach(Uri apiServer, string token, string ns = "models") =>
        new { type = "kubernetes", purpose = "DevTest", vmSize = "Standard_D3_v2", agentCount = 1, kubernetes = new { apiServer = apiServer.ToString(), @namespace = ns, token } };

    [Fact]
    public async Task Attaching_a_reachable_api_server_succeeds_and_the_token_is_stored_encrypted()
    {
        await using var apiServer = await FakeKubernetesApiServer.StartAsync(Token);
        var created = await (await _client.PutComputeAsync("aks-ok", Attach(apiServer.Address, Token))).JsonAsync(HttpStatusCode.Created);
        Assert.DoesNotContain(Token, created.ToString());

        var compute = await _client.WaitProvisionedAsync("aks-ok");
        Assert.Equal("Succeeded", compute.GetProperty("provisioningState").GetString());
        Assert.True(apiServer.VersionRequests >= 1);
        Assert.Equal("models", compute.GetProperty("kubernetes").GetProperty("namespace").GetString());
        Assert.Equal(apiServer.Address.ToString(), compute.GetProperty("kubernetes").GetProperty("apiServer").GetString());
        Assert.DoesNotContain(Token, compute.ToString());
        await shared.Bus.WaitForAsync("aks-ok", "Succeeded");

        // At rest: not the token, nor any part of it, but the service can still read it back.
        var stored = await StoredTokenAsync("aks-ok");
        Assert.DoesNotContain("token-value-123", stored);
        Assert.DoesNotContain("test-service-account", stored);
        Assert.Equal(Token, shared.App.Services.GetRequiredService<TokenProtector>().Unprotect(stored));
    }

    [Fact]
    public async Task Attaching_an_unreachable_api_server_fails_with_the_reason()
    {
        // Nothing listens on port 1 of loopback: the connection is refused at once.
        await (await _client.PutComputeAsync("aks-down", Attach(new Uri("http://127.0.0.1:1"), Token))).JsonAsync(HttpStatusCode.Created);
        var compute = await _client.WaitProvisionedAsync("aks-down");
        Assert.Equal("Failed", compute.GetProperty("provisioningState").GetString());
        Assert.Contains("could not be reached", compute.GetProperty("error").GetString());
        var published = await shared.Bus.WaitForAsync("aks-down", "Failed");
        Assert.Contains("http://127.0.0.1:1", published.Error);
    }

    [Fact]
    public async Task An_api_server_refusing_the_token_fails_the_attach_and_a_corrected_token_succeeds()
    {
        await using var apiServer = await FakeKubernetesApiServer.StartAsync(Token);
        await (await _client.PutComputeAsync("aks-badtoken", Attach(apiServer.Address, "wrong-token"))).JsonAsync(HttpStatusCode.Created);
        var failed = await _client.WaitProvisionedAsync("aks-badtoken");
        Assert.Equal("Failed", failed.GetProperty("provisioningState").GetString());
        Assert.Contains("401", failed.GetProperty("error").GetString());
        Assert.Contains("token was refused", failed.GetProperty("error").GetString());

        await (await _client.PutComputeAsync("aks-badtoken", Attach(apiServer.Address, Token))).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Succeeded", (await _client.WaitProvisionedAsync("aks-badtoken")).GetProperty("provisioningState").GetString());
    }

    [Fact]
    public async Task An_attached_cluster_is_detached_and_published_as_detached()
    {
        await using var apiServer = await FakeKubernetesApiServer.StartAsync(Token);
        await (await _client.PutComputeAsync("aks-detach", Attach(apiServer.Address, Token))).JsonAsync(HttpStatusCode.Created);
        await _client.WaitProvisionedAsync("aks-detach");
        await (await _client.PostAsync("/api/v1/computes/aks-detach/detach", null)).JsonAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync("/api/v1/computes/aks-detach")).JsonAsync(HttpStatusCode.NotFound);
        await shared.Bus.WaitForAsync("aks-detach", "Detached");
    }

    private async Task<string> StoredTokenAsync(string name)
    {
        await using var connection = new NpgsqlConnection(shared.App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT protected_token FROM compute_targets WHERE name = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
