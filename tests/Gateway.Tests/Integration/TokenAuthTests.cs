using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Service.Routing;
using Gateway.Tests.Support;
using TestSupport;

namespace Gateway.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class TokenAuthTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private GatewayApp _gateway = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("node-0");
        _gateway = new GatewayApp(infrastructure, "gateway_tokens");
        var node = _node.Address.ToString();
        await _gateway.PublishRoutingAsync(1,
            Routes.Endpoint("tokened", [Routes.Deployment("blue", nodes: node)], "blue", auth: AuthMode.Token),
            Routes.Endpoint("keyed", [Routes.Deployment("blue", nodes: node)], "blue", auth: AuthMode.Key),
            Routes.Endpoint("open", [Routes.Deployment("blue", nodes: node)], "blue", auth: AuthMode.None));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
    }

    private async Task<HttpStatusCode> ScoreAsync(string endpoint, string? credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = JsonContent.Create(new { data = new[] { 1 } }) };
        if (credential is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var response = await _gateway.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_fresh_token_works_and_is_refused_once_expired()
    {
        using var issued = await _gateway.AdminClient().PostAsJsonAsync("/api/v1/endpoints/tokened/token", new { expiresInSeconds = 2 });
        issued.EnsureSuccessStatusCode();
        var token = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = token.GetProperty("accessToken").GetString()!;
        var expiryOn = DateTimeOffset.FromUnixTimeSeconds(token.GetProperty("expiryOn").GetInt64());
        Assert.True(token.GetProperty("refreshAfter").GetInt64() <= token.GetProperty("expiryOn").GetInt64());

        Assert.Equal(HttpStatusCode.OK, await ScoreAsync("tokened", accessToken));
        await Task.Delay(expiryOn - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScoreAsync("tokened", accessToken));
    }

    [Fact]
    public async Task A_token_dies_with_its_endpoint_and_does_not_open_one_created_again_under_the_same_name()
    {
        var node = _node.Address.ToString();
        await _gateway.PublishRoutingAsync(2, Routes.Endpoint("reborn", [Routes.Deployment("blue", nodes: node)], "blue", auth: AuthMode.Token,
            createdAtUnixMs: 1_700_000_000_000));
        using var issued = await _gateway.AdminClient().PostAsync("/api/v1/endpoints/reborn/token", null);
        var accessToken = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await ScoreAsync("reborn", accessToken));

        await _gateway.PublishRoutingAsync(3);
        Assert.Equal(HttpStatusCode.Unauthorized, await ScoreAsync("reborn", accessToken));

        // Deleted and created again under the same name: a new endpoint, which the old token does not open.
        await _gateway.PublishRoutingAsync(4, Routes.Endpoint("reborn", [Routes.Deployment("blue", nodes: node)], "blue", auth: AuthMode.Token,
            createdAtUnixMs: 1_700_000_060_000));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScoreAsync("reborn", accessToken));
        using var fresh = await _gateway.AdminClient().PostAsync("/api/v1/endpoints/reborn/token", null);
        var freshToken = (await fresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await ScoreAsync("reborn", freshToken));
    }

    [Fact]
    public async Task Default_token_lives_an_hour_and_refresh_is_due_at_half_time()
    {
        using var issued = await _gateway.AdminClient().PostAsync("/api/v1/endpoints/tokened/token", null);
        var token = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.InRange(token.GetProperty("expiryOn").GetInt64() - now, 3590, 3600);
        Assert.InRange(token.GetProperty("refreshAfter").GetInt64() - now, 1790, 1800);
    }

    [Fact]
    public async Task Without_a_token_or_with_a_key_shaped_credential_the_token_endpoint_is_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await ScoreAsync("tokened", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScoreAsync("tokened", "abc"));
    }

    [Fact]
    public async Task Endpoints_without_auth_need_no_credential()
    {
        Assert.Equal(HttpStatusCode.OK, await ScoreAsync("open", null));
    }

    [Fact]
    public async Task Keys_of_a_token_endpoint_and_tokens_of_a_key_endpoint_are_conflicts()
    {
        using var keys = await _gateway.AdminClient().GetAsync("/api/v1/endpoints/tokened/keys");
        using var token = await _gateway.AdminClient().PostAsync("/api/v1/endpoints/keyed/token", null);

        Assert.Equal(HttpStatusCode.Conflict, keys.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, token.StatusCode);
    }

    [Fact]
    public async Task A_token_lifetime_out_of_range_is_a_validation_problem_naming_the_field()
    {
        using var response = await _gateway.AdminClient().PostAsJsonAsync("/api/v1/endpoints/tokened/token", new { expiresInSeconds = 0 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresInSeconds", out _));
    }
}
