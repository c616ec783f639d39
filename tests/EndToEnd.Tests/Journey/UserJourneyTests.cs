using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// Issue 6's journey through the running platform (started as the run command does): everything goes through the
/// gateway's public REST API with the admin key, and scoring through its data plane with endpoint credentials.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class UserJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    private string V1File => Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx");
    private string V2File => Path.Combine(JourneyClient.ModelsDirectory, "v2.onnx");

    [Fact]
    public async Task Key_endpoint_from_first_deployment_through_split_pin_mirror_key_rotation_update_under_load_to_deletion()
    {
        var model = $"journey-{_suffix}";
        var endpoint = $"shop-{_suffix}";
        var v1 = await _user.RegisterModelAsync(model, V1File);
        var expectedV1 = JourneyClient.Expected(V1File);

        // An endpoint with key auth and a first deployment, blue.
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key", description = "journey" });
        await _user.DeployAsync(endpoint, "blue", $"{model}:{v1}", isDefault: true);
        var keys = await _user.GetAsync($"/api/v1/endpoints/{endpoint}/keys");
        var primary = keys.GetProperty("primaryKey").GetString()!;
        var secondary = keys.GetProperty("secondaryKey").GetString()!;

        // Scoring answers what the model computes.
        using (var scored = await _user.WaitForScoreAsync(endpoint, primary, r => r.StatusCode == HttpStatusCode.OK))
        {
            await JourneyClient.AssertAnswerAsync(scored, expectedV1);
            Assert.Equal("blue", JourneyClient.AnsweredBy(scored));
        }

        // No key or a wrong key: 401.
        using (var none = await _user.ScoreAsync(endpoint, null)) Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using (var wrong = await _user.ScoreAsync(endpoint, "not-" + primary)) Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        // green beside blue, traffic 90/10: over 2,000 requests green's share is 10% ± 3.
        await _user.DeployAsync(endpoint, "green", $"{model}:{v1}");
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}/traffic", new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 });
        using (await _user.WaitForScoreAsync(endpoint, primary, r => JourneyClient.AnsweredBy(r) == "green")) { }
        var answeredBy = await ScoreManyAsync(endpoint, primary, 2000, concurrency: 8);
        Assert.Equal(2000, answeredBy.Values.Sum());
        Assert.InRange(answeredBy.GetValueOrDefault("green") / 2000.0, 0.07, 0.13);

        // The header pins green.
        for (var i = 0; i < 20; i++)
        {
            using var pinned = await _user.ScoreAsync(endpoint, primary, pin: "green");
            Assert.Equal("green", JourneyClient.AnsweredBy(pinned));
            await JourneyClient.AssertAnswerAsync(pinned, expectedV1);
        }

        // Mirror 20% to a third deployment without live traffic: it gets copies, the client never sees its answers.
        await _user.DeployAsync(endpoint, "shadow", $"{model}:{v1}");
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}/mirror", new Dictionary<string, int> { ["shadow"] = 20 });
        await WaitForMirrorAsync(endpoint, primary);
        var before = await MirrorSentAsync(endpoint);
        var mirrored = await ScoreManyAsync(endpoint, primary, 500, concurrency: 4);
        Assert.False(mirrored.ContainsKey("shadow"));
        await Task.Delay(1000);
        var sent = await MirrorSentAsync(endpoint) - before;
        Assert.InRange(sent, 50, 160);

        // Regenerating the primary key: the old one gets 401 at once, the secondary still works.
        using (var regenerated = await _user.Admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/keys/regenerate", new { keyType = "primary" }))
            Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        using (var old = await _user.ScoreAsync(endpoint, primary)) Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using (var second = await _user.ScoreAsync(endpoint, secondary)) Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        primary = (await _user.GetAsync($"/api/v1/endpoints/{endpoint}/keys")).GetProperty("primaryKey").GetString()!;

        // Updating blue to version 2 under constant load: no request fails.
        var v2 = await _user.RegisterModelAsync(model, V2File);
        var failures = new ConcurrentQueue<string>();
        var requests = 0;
        using var stopLoad = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                using var response = await _user.ScoreAsync(endpoint, primary);
                Interlocked.Increment(ref requests);
                if (response.StatusCode != HttpStatusCode.OK)
                    failures.Enqueue($"{(int)response.StatusCode} from {JourneyClient.AnsweredBy(response)}: {await response.Content.ReadAsStringAsync()}");
            }
        })).ToList();
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue", new
        {
            model = $"{model}:{v2}", compute = "local", instanceCount = 1, cpuCores = 0.5, memoryGb = 0.5, isDefault = true,
        });
        await _user.WaitHealthyAsync(endpoint, "blue", $"{model}:{v2}");
        using (await _user.WaitForScoreAsync(endpoint, primary, r => r.IsSuccessStatusCode && Answer(r).Result[0][0] > 0.6, pin: "blue")) { }
        await Task.Delay(1000);
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);
        Assert.True(requests > 50, $"only {requests} requests ran during the update");
        Assert.Empty(failures);
        using (var updated = await _user.ScoreAsync(endpoint, primary, pin: "blue"))
            await JourneyClient.AssertAnswerAsync(updated, JourneyClient.Expected(V2File));

        // Deleting green: its share goes back to the default (blue).
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}/deployments/green");
        using (await _user.WaitForScoreAsync(endpoint, primary, r => r.StatusCode == HttpStatusCode.NotFound, pin: "green")) { }
        var afterDelete = await ScoreManyAsync(endpoint, primary, 300, concurrency: 4);
        Assert.Equal(300, afterDelete.GetValueOrDefault("blue"));

        // Deleting the endpoint: it is gone from the control plane and from scoring.
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
        using (var gone = await _user.WaitForScoreAsync(endpoint, primary, r => r.StatusCode == HttpStatusCode.Unauthorized))
            Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        using (var missing = await _user.Admin.GetAsync($"/api/v1/endpoints/{endpoint}"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Token_endpoint_accepts_a_fresh_token_and_refuses_an_expired_one()
    {
        var model = $"journey-token-{_suffix}";
        var endpoint = $"tok-{_suffix}";
        var v1 = await _user.RegisterModelAsync(model, V1File);
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "token" });
        await _user.DeployAsync(endpoint, "blue", $"{model}:{v1}", isDefault: true);

        using var issued = await _user.Admin.PostAsync($"/api/v1/endpoints/{endpoint}/token", null);
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        using (var fresh = await _user.WaitForScoreAsync(endpoint, token, r => r.StatusCode == HttpStatusCode.OK))
            await JourneyClient.AssertAnswerAsync(fresh, JourneyClient.Expected(V1File));

        using var shortLived = await _user.Admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/token", new { expiresInSeconds = 2 });
        var body = await shortLived.Content.ReadFromJsonAsync<JsonElement>();
        var expiring = body.GetProperty("accessToken").GetString()!;
        using (var beforeExpiry = await _user.ScoreAsync(endpoint, expiring)) Assert.Equal(HttpStatusCode.OK, beforeExpiry.StatusCode);
        await Task.Delay(DateTimeOffset.FromUnixTimeSeconds(body.GetProperty("expiryOn").GetInt64()) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500));
        using (var expired = await _user.ScoreAsync(endpoint, expiring)) Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        using (var none = await _user.ScoreAsync(endpoint, null)) Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task Deploy_rule_deploys_version_2_when_it_is_registered()
    {
        var model = $"journey-rule-{_suffix}";
        var endpoint = $"rule-{_suffix}";
        var v1 = await _user.RegisterModelAsync(model, V1File);
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key" });
        await _user.DeployAsync(endpoint, "blue", $"{model}:{v1}", isDefault: true);
        await _user.PutAsync($"/api/v1/deploy-rules/rule-{_suffix}", new
        {
            model, endpoint, deploymentName = "canary", trafficPercentile = 10,
            deployment = new { compute = "local", instanceCount = 1, cpuCores = 0.5, memoryGb = 0.5 },
        });

        var v2 = await _user.RegisterModelAsync(model, V2File);

        await _user.WaitHealthyAsync(endpoint, "canary", $"{model}:{v2}");
        var key = (await _user.GetAsync($"/api/v1/endpoints/{endpoint}/keys")).GetProperty("primaryKey").GetString()!;
        using (var canary = await _user.WaitForScoreAsync(endpoint, key, r => r.StatusCode == HttpStatusCode.OK, pin: "canary"))
            await JourneyClient.AssertAnswerAsync(canary, JourneyClient.Expected(V2File));

        await _user.DeleteAsync($"/api/v1/deploy-rules/rule-{_suffix}");
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    private static async Task<double[][]> Answer(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<double[][]>())!;

    /// <summary>Sends <paramref name="count"/> scoring requests; every one must succeed; counts which deployment answered.</summary>
    private async Task<Dictionary<string, int>> ScoreManyAsync(string endpoint, string key, int count, int concurrency)
    {
        var counts = new ConcurrentDictionary<string, int>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var response = await _user.ScoreAsync(endpoint, key);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                counts.AddOrUpdate(JourneyClient.AnsweredBy(response), 1, (_, n) => n + 1);
            }
        })));
        return new Dictionary<string, int>(counts);
    }

    private async Task<long> MirrorSentAsync(string endpoint)
    {
        var stats = await _user.GetAsync($"/api/v1/endpoints/{endpoint}/mirror/stats");
        return stats.GetProperty("deployments").TryGetProperty("shadow", out var shadow) ? shadow.GetProperty("sent").GetInt64() : 0;
    }

    private async Task WaitForMirrorAsync(string endpoint, string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await MirrorSentAsync(endpoint) == 0 && DateTime.UtcNow < deadline)
        {
            using var _ = await _user.ScoreAsync(endpoint, key);
        }
    }

    public void Dispose() => _user.Dispose();
}
