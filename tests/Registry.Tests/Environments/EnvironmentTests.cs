using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Environments;

/// <summary>
/// Environments built for real: a virtual environment on Debian's python3 (seeing its numpy and scikit-learn) with
/// the test's own wheel installed by pip. Builds go to the machine's environment cache, so a hash is built once.
/// </summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class EnvironmentTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = NewApp();
        await _app.WaitHealthyAsync();
    }

    private RegistryApp NewApp() => new(infrastructure, "registry_environments",
        settings: new Dictionary<string, string> { ["Environments:Root"] = PythonWheels.EnvironmentCache });

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A wheel whose content is new on every run, so its environment is really built (not found in the cache).</summary>
    private static (string FileName, byte[] Bytes) FreshWheel(string distribution, out string marker)
    {
        marker = Guid.NewGuid().ToString("N");
        return PythonWheels.Build(distribution, "1.0.0", new Dictionary<string, string>
        {
            [$"{distribution}/__init__.py"] = $"MARKER = '{marker}'\n",
        });
    }

    private static ModelForm Environment(string name, string specPath, string spec) =>
        new ModelForm().Field("name", name).File(specPath, Encoding.UTF8.GetBytes(spec));

    private async Task<JsonObject> RegisterAsync(ModelForm form, RegistryApp? app = null)
    {
        var response = await (app ?? _app).Http.PostAsync("/api/v1/environments", form.Build());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<JsonObject> WaitBuiltAsync(string name, int version, RegistryApp? app = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var body = JsonNode.Parse(await (app ?? _app).Http.GetStringAsync($"/api/v1/environments/{name}/versions/{version}"))!.AsObject();
            var state = (string?)body["buildState"];
            if (state is "Succeeded" or "Failed") return body;
            Assert.True(DateTime.UtcNow < deadline, $"the build of {name}:{version} did not finish: {body.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    private static string RunPython(string python, string code)
    {
        using var process = Process.Start(new ProcessStartInfo(python, ["-c", code]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }

    [Fact]
    public async Task A_requirements_environment_with_a_private_wheel_is_built_on_the_base_with_numpy_and_scikit_learn()
    {
        var wheel = FreshWheel("tinyfeatures", out var marker);
        var created = await RegisterAsync(Environment("env-pip", "requirements.txt", "tinyfeatures==1.0.0  # our own\nnumpy\n")
            .File(wheel.FileName, wheel.Bytes));
        Assert.Equal("pip", (string?)created["kind"]);
        Assert.Equal(64, ((string)created["hash"]!).Length);
        Assert.Contains((string?)created["buildState"], new[] { "Queued", "Building" });

        var built = await WaitBuiltAsync("env-pip", (int)created["version"]!);
        Assert.True("Succeeded" == (string?)built["buildState"], built.ToJsonString());
        Assert.False((bool)built["buildReused"]!);
        Assert.Contains("tinyfeatures", (string?)built["log"]);
        var python = (string)built["pythonPath"]!;
        Assert.StartsWith(PythonWheels.EnvironmentCache, python);
        Assert.Equal(marker, RunPython(python, "import tinyfeatures; print(tinyfeatures.MARKER)"));
        // The curated base: Debian's scientific packages through the system site packages.
        Assert.Equal("ok", RunPython(python, "import numpy, sklearn, joblib, pandas, scipy; print('ok')"));
    }

    [Fact]
    public async Task The_same_content_shares_one_build_and_a_restarted_registry_reuses_the_built_folder()
    {
        var wheel = FreshWheel("sharedfeatures", out _);
        ModelForm Form() => Environment("env-shared", "requirements.txt", "sharedfeatures\n").File(wheel.FileName, wheel.Bytes);
        var first = await RegisterAsync(Form());
        var built = await WaitBuiltAsync("env-shared", 1);
        Assert.Equal("Succeeded", (string?)built["buildState"]);

        // A second version with the same content is built already: same hash, nothing queued.
        var second = await RegisterAsync(Form());
        Assert.Equal((string?)first["hash"], (string?)second["hash"]);
        Assert.Equal(2, (int)second["version"]!);
        Assert.Equal("Succeeded", (string?)second["buildState"]);

        // A registry with a new database but the same environment folder finds the build there and says so.
        using var other = NewApp();
        await other.WaitHealthyAsync();
        var again = await RegisterAsync(Form(), other);
        var reused = await WaitBuiltAsync("env-shared", (int)again["version"]!, other);
        Assert.Equal("Succeeded", (string?)reused["buildState"]);
        Assert.True((bool)reused["buildReused"]!);
        Assert.Contains("Reused the build of content hash", (string?)reused["log"]);
        Assert.Equal((string?)built["pythonPath"], (string?)reused["pythonPath"]);
    }

    [Fact]
    public async Task A_package_found_nowhere_fails_the_build_with_its_name()
    {
        var missing = $"nosuchpackage-{Guid.NewGuid().ToString("N")[..8]}";
        var created = await RegisterAsync(Environment("env-missing", "requirements.txt", $"{missing}==2.0\n"));
        var built = await WaitBuiltAsync("env-missing", (int)created["version"]!);
        Assert.Equal("Failed", (string?)built["buildState"]);
        Assert.Contains($"'{missing}", (string?)built["buildError"]);
        Assert.Contains("found nowhere", (string?)built["buildError"]);
        Assert.Contains("No matching distribution", (string?)built["log"]);
        Assert.Null((string?)built["pythonPath"]);
    }

    [Fact]
    public async Task A_conda_file_builds_its_pip_section_and_plain_packages_on_the_matching_python()
    {
        var wheel = FreshWheel("condafeatures", out var marker);
        var version = RunPython("/usr/bin/python3", "import sys; print('%d.%d' % sys.version_info[:2])");
        var yaml = $"""
            name: scoring
            channels: [conda-forge]
            dependencies:
              - python={version}
              - numpy
              - conda-forge::scikit-learn>=1.0
              - pip
              - pip:
                - condafeatures==1.0.0
            """;
        var created = await RegisterAsync(Environment("env-conda", "environment.yml", yaml).File(wheel.FileName, wheel.Bytes));
        Assert.Equal("conda", (string?)created["kind"]);
        Assert.Equal(version, (string?)created["python"]);
        var built = await WaitBuiltAsync("env-conda", (int)created["version"]!);
        Assert.True("Succeeded" == (string?)built["buildState"], built.ToJsonString());
        Assert.Equal(marker, RunPython((string)built["pythonPath"]!, "import condafeatures; print(condafeatures.MARKER)"));
    }

    [Fact]
    public async Task A_python_version_the_machine_lacks_is_refused_naming_what_it_has()
    {
        var response = await _app.Http.PostAsync("/api/v1/environments",
            Environment("env-old-python", "environment.yml", "dependencies:\n  - python=3.6\n  - numpy\n").Build());
        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        var error = Assert.Single(Problems.Errors(problem, "file"));
        Assert.Contains("python=3.6 is not available", error);
    }

    [Fact]
    public async Task Bad_environments_are_refused_with_the_field_and_rule_named()
    {
        var noSpec = await _app.Http.PostAsync("/api/v1/environments",
            new ModelForm().Field("name", "env-bad").File("notes.md", "x"u8.ToArray()).Build());
        var problem = await Problems.ReadAsync(noSpec, HttpStatusCode.BadRequest);
        var errors = Problems.Errors(problem, "file");
        Assert.Contains(errors, e => e.Contains("one spec file"));
        Assert.Contains(errors, e => e.Contains("'notes.md' is neither a spec file nor a wheel"));

        var indexLine = await _app.Http.PostAsync("/api/v1/environments",
            Environment("env-bad", "requirements.txt", "--extra-index-url https://example.org/simple\nnumpy\n").Build());
        problem = await Problems.ReadAsync(indexLine, HttpStatusCode.BadRequest);
        Assert.Contains(Problems.Errors(problem, "file"), e => e.Contains("--extra-index-url") && e.Contains("not allowed"));

        var badName = await _app.Http.PostAsync("/api/v1/environments", Environment("-bad", "requirements.txt", "numpy\n").Build());
        problem = await Problems.ReadAsync(badName, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problems.Errors(problem, "name"));

        var unknown = await _app.Http.GetAsync("/api/v1/environments/env-never/versions/1");
        await Problems.ReadAsync(unknown, HttpStatusCode.NotFound);
    }
}
