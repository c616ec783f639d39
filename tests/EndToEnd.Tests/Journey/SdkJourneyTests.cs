using Grpc.Core;
using Platform.Client;

namespace EndToEnd.Tests.Journey;

/// <summary>Platform.Client against the running platform: what a C# user does, and the errors they get back.</summary>
[Collection(nameof(JourneyCollection))]
public sealed class SdkJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly PlatformClient _platform = new(new PlatformClientOptions
    {
        BaseAddress = journey.Platform.GatewayHttpUri,
        GrpcAddress = journey.Platform.GatewayGrpcUri,
        AdminKey = journey.Platform.AdminKey,
    });

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    private static string V1File => Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx");

    [Fact]
    public async Task A_folder_registered_with_progress_deploys_with_rollout_progress_and_scores_alike_over_score_kserve_rest_and_grpc()
    {
        var folder = Directory.CreateTempSubdirectory("sdk-model-").FullName;
        File.Copy(V1File, Path.Combine(folder, "model.onnx"));
        Directory.CreateDirectory(Path.Combine(folder, "docs"));
        await File.WriteAllTextAsync(Path.Combine(folder, "docs", "card.md"), "# a model card\n");
        var uploads = new List<UploadProgress>();
        var model = await _platform.Models.RegisterAsync(
            new RegisterModelRequest($"sdk-{_suffix}", [folder]) { Description = "sdk journey", Tags = new Dictionary<string, string> { ["stage"] = "test" } },
            new SyncProgress<UploadProgress>(uploads.Add));

        Assert.Equal(["docs/card.md", "model.onnx"], model.Files.Select(f => f.Path).Order());
        Assert.Equal("test", model.Tags["stage"]);
        var total = new FileInfo(V1File).Length + new FileInfo(Path.Combine(folder, "docs", "card.md")).Length;
        Assert.Equal(total, uploads[^1].BytesSent);
        Assert.Equal(total, uploads[^1].TotalBytes);
        Assert.Contains(await _platform.Models.ListAsync(tags: new Dictionary<string, string> { ["stage"] = "test" }), m => m.Id == model.Id);

        var endpoint = $"sdk-{_suffix}";
        var created = await _platform.Endpoints.CreateOrUpdateAsync(endpoint, new EndpointSpec { AuthMode = "key", Description = "sdk" });
        Assert.Equal("key", created.AuthMode);
        var states = new List<string>();
        var deployment = await _platform.Deployments.CreateOrUpdateAndWaitAsync(endpoint, "blue",
            new DeploymentSpec { Model = model.Id, InstanceCount = 1, CpuCores = 0.5, MemoryGb = 0.5, IsDefault = true },
            new SyncProgress<Deployment>(d => states.Add(d.State)));
        Assert.Equal(DeploymentStates.Healthy, deployment.State);
        Assert.Equal(DeploymentStates.Healthy, states[^1]);
        Assert.NotEmpty(deployment.Inputs);
        Assert.False(string.IsNullOrWhiteSpace(await _platform.Deployments.GetLogsAsync(endpoint, "blue", tail: 50)));

        var key = (await _platform.Endpoints.GetKeysAsync(endpoint)).PrimaryKey;
        var expected = JourneyClient.Expected(V1File);
        var scored = await UntilRoutedAsync(() => _platform.Scoring.ScoreAsync(endpoint, JourneyClient.Rows, key));
        Assert.Equal("blue", scored.AnsweredBy);
        AssertClose(expected.SelectMany(r => r), scored.Body!.AsArray().SelectMany(r => r!.AsArray().Select(v => (double)v!)));
        Assert.True(await _platform.Scoring.IsHealthyAsync(endpoint, key));

        var input = deployment.Inputs[0].Name;
        var rest = await _platform.KServe.InferAsync(endpoint, [InferTensor.Fp32(input, JourneyClient.Rows)], key);
        AssertClose(expected.SelectMany(r => r), rest.Outputs[0].Data);
        var grpc = await _platform.KServeGrpc.InferAsync(endpoint, [InferTensor.Fp32(input, JourneyClient.Rows)], key);
        Assert.Equal("blue", grpc.AnsweredBy);
        AssertClose(expected.SelectMany(r => r), grpc.Outputs[0].Data);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _platform.KServeGrpc.InferAsync(endpoint, [InferTensor.Fp32(input, JourneyClient.Rows)], "wrong"));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        await _platform.Endpoints.DeleteAsync(endpoint);
        await Assert.ThrowsAsync<PlatformNotFoundException>(() => _platform.Endpoints.GetAsync(endpoint));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Errors_come_back_as_typed_exceptions_carrying_the_problem_details()
    {
        var invalid = await Assert.ThrowsAsync<PlatformValidationException>(() =>
            _platform.Models.RegisterAsync(new RegisterModelRequest("-bad name-", [V1File])));
        Assert.Equal(400, invalid.Problem.Status);
        Assert.Contains("name", invalid.Problem.Errors.Keys);

        var missing = await Assert.ThrowsAsync<PlatformNotFoundException>(() => _platform.Endpoints.GetAsync($"none-{_suffix}"));
        Assert.Equal(404, missing.Problem.Status);

        using var wrongAdmin = new PlatformClient(journey.Platform.GatewayHttpUri, "not-the-admin-key");
        await Assert.ThrowsAsync<PlatformAuthenticationException>(() => wrongAdmin.Endpoints.ListAsync());

        // Token endpoints: a token scores, a key endpoint's token request is refused; traffic over 100 % is bad input.
        var endpoint = $"sdktok-{_suffix}";
        await _platform.Endpoints.CreateOrUpdateAsync(endpoint, new EndpointSpec { AuthMode = "token" });
        var token = await _platform.Endpoints.GetTokenAsync(endpoint);
        Assert.True(token.ExpiresAt > DateTimeOffset.UtcNow);
        var traffic = await Assert.ThrowsAsync<PlatformValidationException>(() =>
            _platform.Endpoints.SetTrafficAsync(endpoint, new Dictionary<string, int> { ["blue"] = 80, ["green"] = 30 }));
        Assert.NotEmpty(traffic.Problem.Errors);
        await _platform.Endpoints.DeleteAsync(endpoint);

        var keyEndpoint = $"sdkkey-{_suffix}";
        await _platform.Endpoints.CreateOrUpdateAsync(keyEndpoint, new EndpointSpec { AuthMode = "key" });
        var before = await _platform.Endpoints.GetKeysAsync(keyEndpoint);
        var after = await _platform.Endpoints.RegenerateKeyAsync(keyEndpoint, "primary");
        Assert.NotEqual(before.PrimaryKey, after.PrimaryKey);
        Assert.Equal(before.SecondaryKey, after.SecondaryKey);
        await Assert.ThrowsAnyAsync<PlatformApiException>(() => _platform.Endpoints.GetTokenAsync(keyEndpoint));
        await _platform.Endpoints.DeleteAsync(keyEndpoint);
    }

    /// <summary>The gateway's routing table follows the control plane within moments: retry while it says unavailable.</summary>
    private static async Task<ScoreResult> UntilRoutedAsync(Func<Task<ScoreResult>> score)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await score();
            }
            catch (PlatformApiException ex) when (DateTime.UtcNow < deadline && (int)ex.StatusCode is 404 or 503)
            {
                await Task.Delay(200);
            }
        }
    }

    private static void AssertClose(IEnumerable<double> expected, IEnumerable<double> actual)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 1e-4);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    public void Dispose() => _platform.Dispose();
}
