using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Service.Routing;
using Gateway.Tests.Support;
using Npgsql;
using TestSupport;

namespace Gateway.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class EndpointKeyTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private GatewayApp _gateway = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("node-0");
        _gateway = new GatewayApp(infrastructure, "gateway_keys");
        await _gateway.PublishRoutingAsync(1,
            Routes.Endpoint("keyed", [Routes.Deployment("blue", nodes: _node.Address.ToString())], "blue"),
            Routes.Endpoint("other", [Routes.Deployment("blue", nodes: _node.Address.ToString())], "blue"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _node.DisposeAsync();
    }

    private async Task<(string Primary, string Secondary)> KeysAsync(string endpoint)
    {
        var keys = await _gateway.AdminClient().GetFromJsonAsync<JsonElement>($"/api/v1/endpoints/{endpoint}/keys");
        return (keys.GetProperty("primaryKey").GetString()!, keys.GetProperty("secondaryKey").GetString()!);
    }

    private Task<HttpResponseMessage> ScoreAsync(string endpoint, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = JsonContent.Create(new { data = new[] { new[] { 1.0, 2.0, 3.0 } } }) };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _gateway.CreateClient().SendAsync(request);
    }

    [Fact]
    public async Task Keys_created_on_first_sight_are_two_distinct_256_bit_keys_that_both_open_the_endpoint()
    {
        var (primary, secondary) = await KeysAsync("keyed");

        Assert.NotEqual(primary, secondary);
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(primary).Length);
        using var withPrimary = await ScoreAsync("keyed", primary);
        using var withSecondary = await ScoreAsync("keyed", secondary);
        Assert.Equal(HttpStatusCode.OK, withPrimary.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withSecondary.StatusCode);
        Assert.Equal("blue", withPrimary.Headers.GetValues("azureml-model-deployment").Single());
        Assert.Equal((primary, secondary), await KeysAsync("keyed"));
    }

    [Fact]
    public async Task Missing_wrong_foreign_key_and_unknown_endpoint_all_get_the_same_401()
    {
        var (otherKey, _) = await KeysAsync("other");
        var answers = new List<(HttpStatusCode, string)>();
        foreach (var (endpoint, key) in new[] { ("keyed", null), ("keyed", "wrong"), ("keyed", otherKey), ("no-such-endpoint", otherKey) })
        {
            using var response = await ScoreAsync(endpoint, key);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            // Everything but the per-request traceId must be identical.
            answers.Add((response.StatusCode, problem.GetProperty("title").GetString() + "|" + problem.GetProperty("detail").GetString() + "|" + response.Headers.WwwAuthenticate));
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Item1));
        Assert.Single(answers.Select(a => a.Item2).Distinct());
        Assert.DoesNotContain(_node.Requests, r => r.Body.Contains("wrong"));
    }

    [Fact]
    public async Task Regenerating_the_primary_key_invalidates_it_at_once_while_the_secondary_keeps_working()
    {
        var (oldPrimary, secondary) = await KeysAsync("keyed");
        // Used before (twice: the second check is answered from the verified-credential memory), so the
        // regeneration must also drop what the gateway remembers of the old key.
        for (var i = 0; i < 2; i++)
        {
            using var before = await ScoreAsync("keyed", oldPrimary);
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var regenerate = await _gateway.AdminClient().PostAsJsonAsync("/api/v1/endpoints/keyed/keys/regenerate", new { keyType = "primary" });
        regenerate.EnsureSuccessStatusCode();
        var (newPrimary, sameSecondary) = await KeysAsync("keyed");

        Assert.NotEqual(oldPrimary, newPrimary);
        Assert.Equal(secondary, sameSecondary);
        using var old = await ScoreAsync("keyed", oldPrimary);
        using var second = await ScoreAsync("keyed", secondary);
        using var fresh = await ScoreAsync("keyed", newPrimary);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Regenerate_without_a_valid_keyType_is_a_validation_problem_naming_the_field()
    {
        using var response = await _gateway.AdminClient().PostAsJsonAsync("/api/v1/endpoints/keyed/keys/regenerate", new { keyType = "tertiary" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("keyType", out _));
    }

    [Fact]
    public async Task The_database_holds_only_nonces_and_hashes_never_the_keys()
    {
        var (primary, secondary) = await KeysAsync("keyed");

        await using var connection = new NpgsqlConnection(_gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT primary_nonce, primary_hash, secondary_nonce, secondary_hash FROM endpoint_credentials WHERE endpoint = 'keyed'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var stored = Enumerable.Range(0, 4).Select(i => (byte[])reader[i]).ToList();
        var keyBytes = new[] { primary, secondary }.SelectMany(k => new[] { System.Text.Encoding.UTF8.GetBytes(k), System.Buffers.Text.Base64Url.DecodeFromChars(k) }).ToList();
        Assert.All(stored, column => Assert.All(keyBytes, key => Assert.False(column.AsSpan().IndexOf(key) >= 0)));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(primary)), stored[1]);
    }

    [Fact]
    public async Task Keys_of_an_endpoint_that_disappears_are_deleted_so_a_new_endpoint_of_that_name_gets_new_ones()
    {
        var node = _node.Address.ToString();
        await _gateway.PublishRoutingAsync(2, Routes.Endpoint("temp", [Routes.Deployment("blue", nodes: node)], "blue"),
            Routes.Endpoint("keyed", [Routes.Deployment("blue", nodes: node)], "blue"), Routes.Endpoint("other", [Routes.Deployment("blue", nodes: node)], "blue"));
        var (oldKey, _) = await KeysAsync("temp");

        await _gateway.PublishRoutingAsync(3, Routes.Endpoint("keyed", [Routes.Deployment("blue", nodes: node)], "blue"),
            Routes.Endpoint("other", [Routes.Deployment("blue", nodes: node)], "blue"));
        await _gateway.PublishRoutingAsync(4, Routes.Endpoint("temp", [Routes.Deployment("blue", nodes: node)], "blue"),
            Routes.Endpoint("keyed", [Routes.Deployment("blue", nodes: node)], "blue"), Routes.Endpoint("other", [Routes.Deployment("blue", nodes: node)], "blue"));

        using var response = await ScoreAsync("temp", oldKey);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(oldKey, (await KeysAsync("temp")).Primary);
    }
}
