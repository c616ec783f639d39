using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Client;
using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>What a user does through the gateway, as small steps the journey tests read like a script.</summary>
public sealed class JourneyClient(TestingBuilderPlatform platform) : IDisposable
{
    public static readonly double[][] Rows = [[0.1, 0.2, 0.3, 0.4], [1, 0, -1, 0.5]];

    public HttpClient Admin { get; } = platform.CreateAdminClient();

    public HttpClient Data { get; } = new() { BaseAddress = platform.GatewayHttpUri, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The SDK on the same platform: the steps a user takes go through it.</summary>
    public PlatformClient Sdk { get; } = new(new PlatformClientOptions
    {
        BaseAddress = platform.GatewayHttpUri, GrpcAddress = platform.GatewayGrpcUri, AdminKey = platform.AdminKey,
    });

    public static string ModelsDirectory { get; } = MakeModels();

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aspire.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Aspire.sln not found above the test folder.");
    }

    private static string Script => Path.Combine(RepositoryRoot(), "tests", "EndToEnd.Tests", "Journey", "journey_models.py");

    private static string MakeModels()
    {
        var dir = Directory.CreateTempSubdirectory("journey-models-").FullName;
        Python("make", dir);
        return dir;
    }

    /// <summary>The model's answer for <see cref="Rows"/>, computed with numpy from the file's weights.</summary>
    public static double[][] Expected(string modelFile) =>
        JsonSerializer.Deserialize<double[][]>(Python("expect", modelFile, JsonSerializer.Serialize(Rows)))!;

    private static string Python(params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"journey_models.py {string.Join(' ', args)} failed: {error}");
        return output.Trim();
    }

    public async Task<int> RegisterModelAsync(string name, string file) =>
        (await Sdk.Models.RegisterAsync(new RegisterModelRequest(name, [file]) { Description = "journey test model" })).Version;

    public async Task PutAsync(string path, object body)
    {
        using var response = await Admin.PutAsJsonAsync(path, body);
        await EnsureAsync(response, HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.Accepted);
    }

    public async Task DeleteAsync(string path)
    {
        using var response = await Admin.DeleteAsync(path);
        await EnsureAsync(response, HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Accepted);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Admin.GetAsync(path);
        await EnsureAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task DeployAsync(string endpoint, string deployment, string model, bool isDefault = false) =>
        await Sdk.Deployments.CreateOrUpdateAndWaitAsync(endpoint, deployment,
            new DeploymentSpec { Model = model, Compute = "local", InstanceCount = 1, CpuCores = 0.5, MemoryGb = 0.5, IsDefault = isDefault },
            timeout: TimeSpan.FromMinutes(3));

    public async Task<JsonElement> WaitHealthyAsync(string endpoint, string deployment, string model)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonElement state = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Admin.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}");
            if (response.IsSuccessStatusCode)
            {
                state = await response.Content.ReadFromJsonAsync<JsonElement>();
                var s = state.GetProperty("state").GetString();
                if (s == "Healthy" && state.GetProperty("model").GetString() == model) return state;
                if (s == "Failed") throw new InvalidOperationException($"Deployment {endpoint}/{deployment} failed: {state}");
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"Deployment {endpoint}/{deployment} did not become Healthy with {model}: {state}");
    }

    /// <summary>
    /// Registers <paramref name="file"/> as <paramref name="model"/>, creates the key endpoint <paramref name="endpoint"/>
    /// with the default deployment <c>blue</c> serving it, and returns the primary key once blue answers through the gateway.
    /// </summary>
    public async Task<string> CreateServingKeyEndpointAsync(string endpoint, string model, string file)
    {
        var version = await RegisterModelAsync(model, file);
        await PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key" });
        await DeployAsync(endpoint, "blue", $"{model}:{version}", isDefault: true);
        var key = (await GetAsync($"/api/v1/endpoints/{endpoint}/keys")).GetProperty("primaryKey").GetString()!;
        using (await WaitForScoreAsync(endpoint, key, r => r.IsSuccessStatusCode)) { }
        return key;
    }

    public async Task<HttpResponseMessage> ScoreAsync(string endpoint, string? credential, string? pin = null, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score") { Content = JsonContent.Create(body ?? new { data = Rows }) };
        if (credential is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        if (pin is not null) request.Headers.Add("azureml-model-deployment", pin);
        return await Data.SendAsync(request);
    }

    public static string AnsweredBy(HttpResponseMessage response) =>
        response.Headers.TryGetValues("azureml-model-deployment", out var values) ? values.Single() : "";

    /// <summary>Waits until the gateway's routing table (fed by RoutingChanged) shows what the control plane just did.</summary>
    public async Task<HttpResponseMessage> WaitForScoreAsync(string endpoint, string? credential, Func<HttpResponseMessage, bool> done, string? pin = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var response = await ScoreAsync(endpoint, credential, pin);
            if (done(response) || DateTime.UtcNow > deadline) return response;
            response.Dispose();
            await Task.Delay(200);
        }
    }

    public static async Task AssertAnswerAsync(HttpResponseMessage response, double[][] expected)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<double[][]>();
        Assert.NotNull(answer);
        Assert.Equal(expected.Length, answer.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, answer[i].Length);
            for (var j = 0; j < expected[i].Length; j++) Assert.Equal(expected[i][j], answer[i][j], 1e-4);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, params HttpStatusCode[] expected)
    {
        if (!expected.Contains(response.StatusCode))
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose()
    {
        Admin.Dispose();
        Data.Dispose();
        Sdk.Dispose();
    }
}
