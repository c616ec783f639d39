using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Contracts.Clients;
using Contracts.Node.V1;
using Grpc.Core;
using Inference.Tests.Support;

namespace Inference.Tests;

/// <summary>
/// Azure ML entry scripts (init/run) run by the node in Python worker processes: real python3 with Debian's numpy and
/// scikit-learn, the scripts as a user would write them.
/// </summary>
public sealed class ScoringScriptTests(InferenceNodeHost node) : IClassFixture<InferenceNodeHost>
{
    private const string Python = "/usr/bin/python3";
    private readonly InferenceNodeClient _control = new(node.Grpc, node.Credential.AuthorizationHeader);

    private static string Folder(string prefix, IReadOnlyDictionary<string, string> files)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return folder;
    }

    private Task<LoadModelResponse> LoadAsync(string name, string code, string modelDir = "", long timeoutMs = 0, int workers = 1, int concurrency = 0,
        long memoryLimitBytes = 0) =>
        _control.LoadModelAsync(new LoadModelRequest
        {
            ModelName = name,
            ModelVersion = name + ":1",
            Script = new ScriptSettings
            {
                Python = Python, CodeDir = code, EntryScript = "score.py", ModelDir = modelDir, Workers = workers,
                RequestTimeoutMs = timeoutMs, Concurrency = concurrency, MemoryLimitBytes = memoryLimitBytes,
            },
        });

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> ScoreAsync(string name, string body, string contentType = "application/json")
    {
        var response = await node.Http.PostAsync($"/models/{name}/score", new StringContent(body, Encoding.UTF8, contentType));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task An_azure_ml_score_py_using_init_run_model_dir_json_and_numpy_runs_unchanged()
    {
        // Written exactly as for Azure ML: nothing of the platform is imported.
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import json
                import os
                import numpy as np

                def init():
                    global weights
                    path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "weights.json")
                    weights = np.array(json.load(open(path)))
                    print("loaded weights", weights.shape)

                def run(raw_data):
                    data = np.array(json.loads(raw_data)["data"])
                    return (data @ weights).tolist()
                """,
        });
        var model = Folder("model-", new Dictionary<string, string> { ["weights.json"] = "[[1, 0], [0, 2], [1, 1]]" });
        var loaded = await LoadAsync("aml-numpy", code, model);
        Assert.Equal(ModelState.Ready, loaded.Model.State);
        Assert.Equal("python-script", loaded.Model.Runtime.Name);

        var (status, body, response) = await ScoreAsync("aml-numpy", """{"data": [[1, 2, 3], [0, 1, 0]]}""");
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[[4, 7], [0, 2]]", body.Replace(" ", "").Replace(",", ", "));

        // Tensors (KServe v2) are for ONNX models; a script takes Azure ML's /score.
        var tensors = await node.Http.PostAsync("/v2/models/aml-numpy/infer", new StringContent("""{"inputs": []}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, tensors.StatusCode);
        Assert.Contains("scoring script", await tensors.Content.ReadAsStringAsync());

        // What the script printed is in the model's log, with the instance that printed it.
        var log = await node.Http.GetStringAsync("/admin/models/aml-numpy/logs");
        Assert.Contains("inference-test/aml-numpy/0 [stdout] loaded weights (3, 2)", log);
    }

    [Fact]
    public async Task A_scikit_learn_model_pickled_with_joblib_is_loaded_from_the_model_dir()
    {
        var model = Directory.CreateTempSubdirectory("sklearn-model-").FullName;
        RunPython($"""
            import joblib
            from sklearn.linear_model import LogisticRegression
            clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
            joblib.dump(clf, r"{model}/model.pkl")
            """);
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import json, os, joblib

                def init():
                    global model
                    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

                def run(raw_data):
                    data = json.loads(raw_data)["data"]
                    return {"predictions": model.predict(data).tolist(), "classes": model.classes_.tolist()}
                """,
        });
        await LoadAsync("sklearn-joblib", code, model);
        var (status, body, _) = await ScoreAsync("sklearn-joblib", """{"data": [[0.1], [2.9]]}""");
        Assert.True(status == HttpStatusCode.OK, body);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal([0, 1], answer.RootElement.GetProperty("predictions").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task A_failing_init_fails_the_load_with_the_python_error_and_its_last_lines()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                def init():
                    raise RuntimeError("weights file is corrupt")

                def run(raw):
                    return raw
                """,
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => LoadAsync("init-fails", code));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("RuntimeError: weights file is corrupt", error.Status.Detail);
        Assert.Contains("score.py", error.Status.Detail);
        var listed = await _control.ListModelsAsync();
        var failed = Assert.Single(listed.Models, m => m.ModelName == "init-fails");
        Assert.Equal(ModelState.Failed, failed.State);
        Assert.Contains("weights file is corrupt", failed.Error);
    }

    [Fact]
    public async Task An_exception_in_run_answers_500_naming_it_and_the_worker_keeps_serving()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import json
                def init():
                    pass

                def run(raw):
                    value = json.loads(raw)["data"]
                    if value < 0:
                        raise ValueError(f"negative input {value}")
                    return value * 2
                """,
        });
        await LoadAsync("run-raises", code);
        var (status, body, response) = await ScoreAsync("run-raises", """{"data": -3}""");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("ValueError", problem.RootElement.GetProperty("exception").GetString());
        Assert.Contains("ValueError: negative input -3", problem.RootElement.GetProperty("detail").GetString());

        (status, body, _) = await ScoreAsync("run-raises", """{"data": 21}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("42", body);
        // The traceback went to the log.
        Assert.Contains("ValueError: negative input -3", await node.Http.GetStringAsync("/admin/models/run-raises/logs"));
    }

    [Fact]
    public async Task A_rawhttp_script_gets_the_request_and_answers_bytes_with_a_cors_header()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                from azureml.contrib.services.aml_request import AMLRequest, rawhttp
                from azureml.contrib.services.aml_response import AMLResponse

                def init():
                    pass

                @rawhttp
                def run(request):
                    if request.method != "POST":
                        return AMLResponse("POST only", 405)
                    data = request.get_data()
                    header = request.headers.get("X-Image-Name", "none")
                    response = AMLResponse(bytes(reversed(data)), 200)
                    response.headers["Access-Control-Allow-Origin"] = "*"
                    response.headers["X-Seen"] = header + "|" + request.args.get("mode", "-") + "|" + request.full_path
                    return response
                """,
        });
        var loaded = await LoadAsync("raw-bytes", code);
        Assert.True(loaded.Model.Script.RawHttp);
        var image = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0x10 };
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/models/raw-bytes/score?mode=fast") { Content = content };
        request.Headers.Add("X-Image-Name", "cat.png");
        using var response = await node.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image.Reverse(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("cat.png|fast|/models/raw-bytes/score?mode=fast", response.Headers.GetValues("X-Seen").Single());
    }

    /// <summary>Grows by 16 MiB pieces it writes to (so they are resident), up to 3 GiB unless stopped first.</summary>
    private const string Hog = """
        def hog():
            import time
            held = []
            for _ in range(192):
                held.append(b"x" * (16 << 20))
                time.sleep(0.01)
            return len(held)
        """;

    [Fact]
    public async Task A_run_that_goes_above_the_memory_limit_is_stopped_with_the_reason_and_the_worker_serves_again()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = Hog + """

                import json
                def init():
                    print("init ran")

                def run(raw):
                    if json.loads(raw)["data"] == "hog":
                        return hog()
                    return "fine"
                """,
        });
        var loaded = await LoadAsync("memory-run", code, memoryLimitBytes: 150L << 20);
        var firstPid = loaded.Model.Script.WorkerPids.Single();
        Assert.Equal(0, loaded.Model.Script.MemoryLimitKills);

        var (status, body, _) = await ScoreAsync("memory-run", """{"data": "hog"}""");
        Assert.True(status == HttpStatusCode.InternalServerError, body);
        Assert.Contains("exceeded its memory limit", body);
        Assert.Contains($"worker {firstPid} used", body);
        Assert.Contains("the deployment's limit of 150 MiB", body);

        // The model's log (what the deployment's logs show) says why; a fresh worker serves within the limit.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            (status, body, _) = await ScoreAsync("memory-run", """{"data": "ok"}""");
            if (status == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline, $"no answer after the restart: {(int)status} {body}");
            await Task.Delay(200);
        }
        // Stopped, not left running beside the new one (a process of some hundred MiB takes a moment to be torn down).
        var gone = DateTime.UtcNow.AddSeconds(15);
        while (IsRunning(firstPid))
        {
            Assert.True(DateTime.UtcNow < gone, $"worker {firstPid} still runs after it went above its memory limit");
            await Task.Delay(200);
        }
        var log = await node.Http.GetStringAsync("/admin/models/memory-run/logs");
        Assert.Contains($"[platform] restarting the worker: worker {firstPid} used", log);
        var model = (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == "memory-run");
        Assert.Equal(ModelState.Ready, model.State);
        Assert.Equal(1, model.Script.MemoryLimitKills);
        Assert.Contains("more than the deployment's limit of 150 MiB", model.Script.LastRestartReason);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_init_that_goes_above_the_memory_limit_fails_the_load_with_the_reason()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = Hog + """

                def init():
                    global held
                    held = hog()

                def run(raw):
                    return raw
                """,
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => LoadAsync("memory-init", code, memoryLimitBytes: 150L << 20));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("more than the deployment's limit of 150 MiB", error.Status.Detail);
        var failed = Assert.Single((await _control.ListModelsAsync()).Models, m => m.ModelName == "memory-init");
        Assert.Equal(ModelState.Failed, failed.State);
        Assert.Contains("more than the deployment's limit of 150 MiB", failed.Error);
    }

    [Fact]
    public async Task A_worker_within_its_memory_limit_serves_numpy_unhindered()
    {
        // The limit counts resident memory, not address space: numpy/OpenBLAS reserve far more than they touch.
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import json
                import numpy as np

                def run(raw):
                    data = np.array(json.loads(raw)["data"], dtype=float)
                    return float((data @ data.T).sum())

                def init():
                    pass
                """,
        });
        await LoadAsync("memory-numpy", code, memoryLimitBytes: 256L << 20);
        var (status, body, _) = await ScoreAsync("memory-numpy", """{"data": [[1, 2], [3, 4]]}""");
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("52.0", body);
    }

    [Fact]
    public async Task A_run_that_hangs_past_the_request_timeout_is_cancelled_and_the_worker_restarted()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import json, time
                def init():
                    print("init ran")

                def run(raw):
                    if json.loads(raw)["data"] == "hang":
                        time.sleep(600)
                    return "fine"
                """,
        });
        var loaded = await LoadAsync("hangs", code, timeoutMs: 1500);
        var firstPid = loaded.Model.Script.WorkerPids.Single();
        var (status, body, _) = await ScoreAsync("hangs", """{"data": "hang"}""");
        Assert.True(status == HttpStatusCode.GatewayTimeout, body);
        Assert.Contains("did not finish within 1.5 s", body);

        // The hung worker is gone; a fresh one ran init() again and serves.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            (status, body, _) = await ScoreAsync("hangs", """{"data": "ok"}""");
            if (status == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline, $"no answer after the restart: {(int)status} {body}");
            await Task.Delay(200);
        }
        Assert.Equal("\"fine\"", body);
        var status2 = (await _control.ListModelsAsync()).Models.Single(m => m.ModelName == "hangs");
        Assert.NotEqual(firstPid, status2.Script.WorkerPids.Single());
        Assert.True(status2.Script.Restarts >= 1);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(firstPid));
    }

    [Fact]
    public async Task Several_requests_are_in_flight_in_one_worker_at_once()
    {
        // Three calls meet at a barrier: they can only all finish if the worker runs them at the same time.
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import threading
                barrier = threading.Barrier(3, timeout=20)

                def init():
                    pass

                def run(raw):
                    barrier.wait()
                    return "met"
                """,
        });
        await LoadAsync("in-flight", code, concurrency: 4);
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ScoreAsync("in-flight", "{}")));
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK && a.Body == "\"met\"", a.Body));
    }

    [Fact]
    public async Task Inference_schema_decorators_describe_the_input_and_turn_it_into_numpy_and_pandas()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import numpy as np
                import pandas as pd
                from inference_schema.schema_decorators import input_schema, output_schema
                from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
                from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
                from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

                def init():
                    pass

                @input_schema("data", NumpyParameterType(np.array([[1.0, 2.0, 3.0]], dtype="float32")))
                @input_schema("frame", PandasParameterType(pd.DataFrame({"age": [30], "city": ["Oslo"]})))
                @output_schema(StandardPythonParameterType({"sum": [6.0], "kinds": ["ndarray"]}))
                def run(data, frame):
                    return {"sum": data.sum(axis=1), "kinds": [type(data).__name__, str(data.dtype), type(frame).__name__, str(frame["age"].dtype)]}
                """,
        });
        var loaded = await LoadAsync("schema", code);
        using var schema = JsonDocument.Parse(loaded.Model.Script.SchemaJson);
        var input = schema.RootElement.GetProperty("input");
        Assert.Equal("[[1.0,2.0,3.0]]", input.GetProperty("data").GetProperty("example").GetRawText());
        Assert.Equal("array", input.GetProperty("data").GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("""[{"age":30,"city":"Oslo"}]""", input.GetProperty("frame").GetProperty("example").GetRawText());
        Assert.Equal("object", schema.RootElement.GetProperty("output").GetProperty("schema").GetProperty("type").GetString());

        var (status, body, _) = await ScoreAsync("schema", """{"data": [[1, 2, 3.5], [0, 0, 1]], "frame": [{"age": 41, "city": "Rome"}]}""");
        Assert.True(status == HttpStatusCode.OK, body);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal([6.5, 1.0], answer.RootElement.GetProperty("sum").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(["ndarray", "float32", "DataFrame", "int64"], answer.RootElement.GetProperty("kinds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_script_runs_in_its_code_folder_with_its_own_environment_variables_only()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import os
                def init():
                    pass

                def run(raw):
                    return {"cwd": os.getcwd(), "env": sorted(os.environ.keys())}
                """,
        });
        Environment.SetEnvironmentVariable("PLATFORM_SECRET_FOR_TEST", "must-not-leak");
        await LoadAsync("isolated", code);
        var (status, body, _) = await ScoreAsync("isolated", "{}");
        Assert.True(status == HttpStatusCode.OK, body);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal(code, answer.RootElement.GetProperty("cwd").GetString());
        var variables = answer.RootElement.GetProperty("env").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains("AZUREML_MODEL_DIR", variables);
        Assert.DoesNotContain("PLATFORM_SECRET_FOR_TEST", variables);
        Assert.DoesNotContain(variables, v => v.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase) || v.StartsWith("Platform", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_worker_that_dies_is_started_again_and_serves()
    {
        var code = Folder("code-", new Dictionary<string, string>
        {
            ["score.py"] = """
                import os, json
                def init():
                    pass

                def run(raw):
                    if json.loads(raw)["data"] == "die":
                        os._exit(9)
                    return "alive"
                """,
        });
        await LoadAsync("dies", code);
        var (status, _, _) = await ScoreAsync("dies", """{"data": "die"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string body;
        while (true)
        {
            (status, body, _) = await ScoreAsync("dies", """{"data": "x"}""");
            if (status == HttpStatusCode.OK) break;
            Assert.True(DateTime.UtcNow < deadline, body);
            await Task.Delay(200);
        }
        Assert.Equal("\"alive\"", body);
    }

    private static void RunPython(string code)
    {
        using var process = Process.Start(new ProcessStartInfo(Python, ["-c", code]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }
}
