using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// A deployment asking for a GPU on a compute without one: refused at once with the reason, or, with
/// <c>allowCpuFallback</c>, served on CPU with the reason shown in its runtime.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class GpuRequestJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task A_gpu_deployment_is_refused_without_a_gpu_and_serves_on_cpu_with_the_reason_when_fallback_is_allowed()
    {
        var endpoint = $"gpu-{_suffix}";
        var model = $"journey-gpu-{_suffix}";
        var version = await _user.RegisterModelAsync(model, Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "key" });

        using (var refused = await _user.Admin.PutAsJsonAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
                   new { model = $"{model}:{version}", gpus = 1, cpuCores = 0.5, memoryGb = 0.5 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("allowCpuFallback", problem.GetProperty("errors").GetProperty("gpus")[0].GetString());
        }

        using (var noGpu = await _user.Admin.PutAsJsonAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
                   new { model = $"{model}:{version}", gpus = 0, gpuOptions = new { executionProvider = "warp-drive" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noGpu.StatusCode);
            var errors = (await noGpu.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("gpuOptions", out _), errors.ToString());
            Assert.True(errors.TryGetProperty("gpuOptions.executionProvider", out _), errors.ToString());
        }

        var gpuOptions = new { executionProvider = "tensorrt", arenaExtendStrategy = "kSameAsRequested", memoryLimitGb = 2, copyInSeparateStream = true };
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue",
            new { model = $"{model}:{version}", gpus = 1, allowCpuFallback = true, gpuOptions, cpuCores = 0.5, memoryGb = 0.5, isDefault = true });
        var blue = await _user.WaitHealthyAsync(endpoint, "blue", $"{model}:{version}");
        Assert.True(blue.GetProperty("allowCpuFallback").GetBoolean());
        var options = blue.GetProperty("gpuOptions");
        Assert.Equal("tensorrt", options.GetProperty("executionProvider").GetString());
        Assert.Equal("kSameAsRequested", options.GetProperty("arenaExtendStrategy").GetString());
        Assert.Equal(2L << 30, options.GetProperty("memoryLimitBytes").GetInt64());
        Assert.True(options.GetProperty("copyInSeparateStream").GetBoolean());
        var runtime = blue.GetProperty("runtime");
        Assert.Equal("onnxruntime", runtime.GetProperty("name").GetString());
        Assert.Equal("CPU", runtime.GetProperty("executionProvider").GetString());
        Assert.Contains("GPU", runtime.GetProperty("fallbackReason").GetString());

        var key = (await _user.GetAsync($"/api/v1/endpoints/{endpoint}/keys")).GetProperty("primaryKey").GetString()!;
        using var scored = await _user.WaitForScoreAsync(endpoint, key, r => r.IsSuccessStatusCode);
        await JourneyClient.AssertAnswerAsync(scored, JourneyClient.Expected(Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx")));
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    public void Dispose() => _user.Dispose();
}
