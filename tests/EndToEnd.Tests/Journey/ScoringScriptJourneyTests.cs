using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// Azure ML's "bring your scoring code" through the public API: an environment with a private wheel (built once per
/// content hash, cached on this machine between runs), a code folder and a scikit-learn model, deployed beside an
/// ONNX deployment; failures (a package found nowhere, init raising, run raising) say what failed.
/// </summary>
[Collection(nameof(JourneyCollection))]
public sealed class ScoringScriptJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private const string Python = "/usr/bin/python3";

    // A fixed wheel: its environment's hash is the same on every run, so the build is done once per machine.
    private static readonly (string FileName, byte[] Bytes) FeaturesWheel = PythonWheels.Build("journeyfeatures", "1.0.0", new Dictionary<string, string>
    {
        ["journeyfeatures/__init__.py"] = "def scale(rows):\n    return [[2.0 * v for v in row] for row in rows]\n",
    });

    private const string SklearnScore = """
        import json
        import os
        import joblib
        import numpy as np
        import journeyfeatures

        def init():
            global model
            model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))
            print("model loaded from", os.getenv("AZUREML_MODEL_DIR"))

        def run(raw_data):
            data = np.array(journeyfeatures.scale(json.loads(raw_data)["data"]))
            return model.predict(data).tolist()
        """;

    private async Task<JsonObject> PostFormAsync(string path, MultipartFormDataContent form)
    {
        using var response = await _user.Admin.PostAsync(path, form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static MultipartFormDataContent Form(string name, params (string Path, byte[] Bytes)[] files) => Form(name, null, files);

    private static MultipartFormDataContent Form(string name, string? framework, params (string Path, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        if (framework is not null) form.Add(new StringContent(framework), "framework");
        foreach (var (path, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", path);
        }
        return form;
    }

    private async Task<string> RegisterEnvironmentAsync(string name, string requirements, bool withWheel = true)
    {
        var files = new List<(string, byte[])> { ("requirements.txt", Encoding.UTF8.GetBytes(requirements)) };
        if (withWheel) files.Add(FeaturesWheel);
        var created = await PostFormAsync("/api/v1/environments", Form(name, [.. files]));
        return $"{name}:{(int)created["version"]!}";
    }

    private async Task<string> RegisterCodeAsync(string name, string score)
    {
        var created = await PostFormAsync("/api/v1/models", Form(name, "custom", ("score.py", Encoding.UTF8.GetBytes(score))));
        return $"{name}:{(int)created["version"]!}";
    }

    private async Task<string> RegisterSklearnModelAsync(string name)
    {
        var folder = Directory.CreateTempSubdirectory("journey-sklearn-").FullName;
        using (var process = Process.Start(new ProcessStartInfo(Python, ["-c", $"""
            import joblib
            from sklearn.linear_model import LogisticRegression
            joblib.dump(LogisticRegression().fit([[0.0], [2.0], [4.0], [6.0]], [0, 0, 1, 1]), r"{folder}/model.pkl")
            """]) { RedirectStandardError = true })!)
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, error);
        }
        var created = await PostFormAsync("/api/v1/models", Form(name, "sklearn", ("model.pkl", await File.ReadAllBytesAsync(Path.Combine(folder, "model.pkl")))));
        return $"{name}:{(int)created["version"]!}";
    }

    // memoryGb is enforced on each worker (resident memory): a scikit-learn worker holds ~130 MiB, so give it room.
    private Task DeployScriptAsync(string endpoint, string deployment, string model, string environment, string code, bool isDefault = false, double memoryGb = 0.5) =>
        _user.PutAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}", new
        {
            model, environment, codeModel = code, entryScript = "score.py", compute = "local", instanceCount = 1, cpuCores = 0.1, memoryGb, isDefault,
        });

    private async Task<JsonElement> WaitSettledAsync(string endpoint, string deployment)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var current = await _user.GetAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}");
            if (current.GetProperty("state").GetString() is "Healthy" or "Failed" or "Unhealthy") return current;
            Assert.True(DateTime.UtcNow < deadline, $"{endpoint}/{deployment} did not settle: {current}");
            await Task.Delay(500);
        }
    }

    private Task<string> LogsAsync(string endpoint, string deployment) =>
        _user.Admin.GetStringAsync($"/api/v1/endpoints/{endpoint}/deployments/{deployment}/logs?tail=200");

    private async Task<HttpResponseMessage> ScoreAsync(string endpoint, string? pin, HttpContent content, string? query = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/endpoints/{endpoint}/score{query}") { Content = content };
        if (pin is not null) request.Headers.Add("azureml-model-deployment", pin);
        return await _user.Data.SendAsync(request);
    }

    [Fact]
    public async Task A_script_deployment_with_a_private_wheel_serves_beside_onnx_and_a_second_deployment_reuses_the_environment()
    {
        var environment = await RegisterEnvironmentAsync($"journey-env-{_suffix}", "journeyfeatures==1.0.0\nscikit-learn\n");
        var model = await RegisterSklearnModelAsync($"journey-sklearn-{_suffix}");
        var code = await RegisterCodeAsync($"journey-code-{_suffix}", SklearnScore);
        var onnx = await _user.RegisterModelAsync($"journey-onnx-{_suffix}", Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));

        // Mixed: blue serves the ONNX model directly, green the scoring script.
        var endpoint = $"mixed-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "none" });
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}/deployments/blue", new
        {
            model = $"journey-onnx-{_suffix}:{onnx}", compute = "local", instanceCount = 1, cpuCores = 0.1, memoryGb = 0.2, isDefault = true,
        });
        await DeployScriptAsync(endpoint, "green", model, environment, code);
        var green = await WaitSettledAsync(endpoint, "green");
        Assert.True(green.GetProperty("state").GetString() == "Healthy", $"{green}\n{await LogsAsync(endpoint, "green")}");
        Assert.Equal("score.py", green.GetProperty("entryScript").GetString());
        Assert.Contains(green.GetProperty("package").GetProperty("hashInputs").EnumerateArray(), l => l.GetString()!.StartsWith("environment.hash="));
        Assert.Equal("Healthy", (await WaitSettledAsync(endpoint, "blue")).GetProperty("state").GetString());

        using (var scored = await ScoreAsync(endpoint, "green", JsonContent.Create(new { data = new[] { new[] { 0.5 }, new[] { 2.5 } } })))
        {
            var text = await scored.Content.ReadAsStringAsync();
            Assert.True(scored.StatusCode == HttpStatusCode.OK, text);
            Assert.Equal("green", JourneyClient.AnsweredBy(scored));
            // scaled by the wheel's journeyfeatures.scale (×2): 1.0 → class 0, 5.0 → class 1
            Assert.Equal([0, 1], JsonSerializer.Deserialize<int[]>(text)!);
        }
        using (var blue = await _user.ScoreAsync(endpoint, null, pin: "blue"))
        {
            await JourneyClient.AssertAnswerAsync(blue, JourneyClient.Expected(Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx")));
        }

        // What init() printed is in the deployment's logs, with the instance that printed it.
        var logs = await LogsAsync(endpoint, "green");
        Assert.Contains("[stdout] model loaded from", logs);
        Assert.Contains($"{endpoint}.green", logs);

        // A second deployment (another endpoint) with the same environment does not build it again.
        var second = $"reuse-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{second}", new { authMode = "none" });
        await DeployScriptAsync(second, "teal", model, environment, code, isDefault: true);
        Assert.Equal("Healthy", (await WaitSettledAsync(second, "teal")).GetProperty("state").GetString());
        Assert.Contains("build reused", await LogsAsync(second, "teal"));

        await _user.DeleteAsync($"/api/v1/endpoints/{second}");
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task Script_failures_say_what_failed_and_raw_answers_carry_their_cors_header()
    {
        var endpoint = $"scripts-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "none" });
        var model = await RegisterCodeAsync($"journey-none-{_suffix}", "# no model files needed\n");
        var environment = await RegisterEnvironmentAsync($"journey-env-{_suffix}", "journeyfeatures==1.0.0\n");

        // A package found nowhere: the build fails naming it, and so does the deployment.
        var missing = await RegisterEnvironmentAsync($"journey-missing-{_suffix}", "nosuchpackage-journey==1.0\n", withWheel: false);
        await DeployScriptAsync(endpoint, "missing", model, missing, await RegisterCodeAsync($"journey-c1-{_suffix}", "def init():\n    pass\n\ndef run(raw):\n    return raw\n"));
        var failed = await WaitSettledAsync(endpoint, "missing");
        Assert.Equal("Failed", failed.GetProperty("state").GetString());
        Assert.Contains("'nosuchpackage-journey", failed.GetProperty("error").GetString());

        // init() raising fails the deployment with the Python error.
        await DeployScriptAsync(endpoint, "badinit", model, environment,
            await RegisterCodeAsync($"journey-c2-{_suffix}", "def init():\n    raise FileNotFoundError('model.pkl is missing')\n\ndef run(raw):\n    return raw\n"));
        failed = await WaitSettledAsync(endpoint, "badinit");
        Assert.Equal("Failed", failed.GetProperty("state").GetString());
        Assert.Contains("FileNotFoundError: model.pkl is missing", failed.GetProperty("error").GetString());

        // init() holding more than memoryGb: the worker is stopped and the deployment fails naming the limit.
        await DeployScriptAsync(endpoint, "hog", model, environment, await RegisterCodeAsync($"journey-c4-{_suffix}", """
            import time

            def init():
                global held
                held = []
                for _ in range(192):
                    held.append(b"x" * (16 << 20))
                    time.sleep(0.01)

            def run(raw):
                return raw
            """), memoryGb: 0.2);
        failed = await WaitSettledAsync(endpoint, "hog");
        Assert.Equal("Failed", failed.GetProperty("state").GetString());
        Assert.Contains("more than the deployment's limit of 204 MiB (memoryGb 0.2)", failed.GetProperty("error").GetString());

        // run() raising answers 500 naming the exception; a @rawhttp script answers bytes with its CORS header.
        await DeployScriptAsync(endpoint, "raw", model, environment, await RegisterCodeAsync($"journey-c3-{_suffix}", """
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                body = request.get_data()
                if body == b"fail":
                    raise KeyError("no such label")
                response = AMLResponse(bytes(reversed(body)), 200)
                response.headers["Access-Control-Allow-Origin"] = "*"
                response.headers["X-Mode"] = request.args.get("mode", "-")
                return response
            """), isDefault: true);
        Assert.Equal("Healthy", (await WaitSettledAsync(endpoint, "raw")).GetProperty("state").GetString());

        var image = new byte[] { 1, 2, 3, 250, 0 };
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using (var answer = await ScoreAsync(endpoint, null, content, "?mode=fast"))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(image.Reverse(), await answer.Content.ReadAsByteArrayAsync());
            Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Equal("fast", answer.Headers.GetValues("X-Mode").Single());
        }
        using (var failing = await ScoreAsync(endpoint, null, new StringContent("fail")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
            var problem = JsonNode.Parse(await failing.Content.ReadAsStringAsync())!;
            Assert.Equal("KeyError", (string?)problem["exception"]);
            Assert.Contains("no such label", (string?)problem["detail"]);
        }
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task An_inference_schema_script_describes_its_input_in_the_endpoint_openapi()
    {
        var endpoint = $"schema-{_suffix}";
        await _user.PutAsync($"/api/v1/endpoints/{endpoint}", new { authMode = "none" });
        var environment = await RegisterEnvironmentAsync($"journey-env-{_suffix}", "journeyfeatures==1.0.0\n");
        var code = await RegisterCodeAsync($"journey-schema-{_suffix}", """
            import numpy as np
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType

            def init():
                pass

            @input_schema("data", NumpyParameterType(np.array([[0.5, 1.5]])))
            @output_schema(NumpyParameterType(np.array([2.0])))
            def run(data):
                return data.sum(axis=1)
            """);
        await DeployScriptAsync(endpoint, "main", code, environment, code, isDefault: true);
        Assert.Equal("Healthy", (await WaitSettledAsync(endpoint, "main")).GetProperty("state").GetString());

        var swagger = JsonNode.Parse(await _user.Data.GetStringAsync($"/endpoints/{endpoint}/swagger.json"))!;
        var body = swagger["paths"]![$"/endpoints/{endpoint}/score"]!["post"]!["requestBody"]!["content"]!["application/json"]!;
        Assert.Equal("[[0.5,1.5]]", body["example"]!["data"]!.ToJsonString());
        Assert.Equal("array", (string?)body["schema"]!["properties"]!["data"]!["type"]);

        using var scored = await ScoreAsync(endpoint, null, JsonContent.Create(new { data = new[] { new[] { 1.0, 2.0 }, new[] { 3.0, 4.5 } } }));
        Assert.Equal("[3.0, 7.5]", await scored.Content.ReadAsStringAsync());
        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    public void Dispose() => _user.Dispose();
}
