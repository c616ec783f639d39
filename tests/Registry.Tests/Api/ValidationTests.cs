using System.Net;
using System.Net.Http.Json;
using System.Text;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

/// <summary>Bad input for every field gets 400 problem details whose <c>errors</c> name the field, and leaves nothing behind.</summary>
[Collection(nameof(InfrastructureCollection))]
public sealed class ValidationTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new RegistryApp(infrastructure, "registry_validation");
        await _app.WaitHealthyAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string, string, string> BadRegistrations => new()
    {
        // case, field, a piece of the message
        { "name missing", "name", "required" },
        { "name empty", "name", "required" },
        { "name too long", "name", "at most 255" },
        { "name with a space", "name", "only letters" },
        { "name starting with a dash", "name", "start with a letter or a digit" },
        { "description too long", "description", "at most 8000" },
        { "tags not json", "tags", "JSON object" },
        { "tags an array", "tags", "JSON object" },
        { "tags with a number value", "tags", "JSON object" },
        { "tags with an empty key", "tags", "must not be empty" },
        { "framework empty", "framework", "must not be empty" },
        { "framework unknown", "framework", "must be one of" },
        { "no file", "file", "At least one file" },
        { "file path escaping", "file", "'..'" },
        { "file path absolute", "file", "relative" },
        { "same path twice", "file", "more than once" },
        { "onnx folder without a model", "file", ".onnx" },
        { "unknown field", "color", "Unknown field" },
        { "name given twice", "name", "more than once" },
        { "file under another field", "weights", "named 'file'" },
    };

    private static ModelForm Build(string @case) => @case switch
    {
        "name missing" => new ModelForm().File("model.onnx", TestModels.Linear),
        "name empty" => new ModelForm().Field("name", "").File("model.onnx", TestModels.Linear),
        "name too long" => ModelForm.Onnx(new string('n', 256)),
        "name with a space" => ModelForm.Onnx("my model"),
        "name starting with a dash" => ModelForm.Onnx("-model"),
        "description too long" => ModelForm.Onnx("ok").Field("description", new string('d', 8001)),
        "tags not json" => ModelForm.Onnx("ok").Field("tags", "stage=prod"),
        "tags an array" => ModelForm.Onnx("ok").Field("tags", """["prod"]"""),
        "tags with a number value" => ModelForm.Onnx("ok").Field("tags", """{"epochs": 3}"""),
        "tags with an empty key" => ModelForm.Onnx("ok").Field("tags", """{"": "x"}"""),
        "framework empty" => ModelForm.Onnx("ok").Field("framework", ""),
        "framework unknown" => ModelForm.Onnx("ok").Field("framework", "caffe"),
        "no file" => new ModelForm().Field("name", "ok"),
        "file path escaping" => ModelForm.Onnx("ok").File("../evil.bin", [1]),
        "file path absolute" => ModelForm.Onnx("ok").File("/etc/evil.bin", [1]),
        "same path twice" => ModelForm.Onnx("ok").File("model.onnx", TestModels.Linear),
        "onnx folder without a model" => new ModelForm().Field("name", "ok").File("a.bin", [1]).File("b.bin", [2]),
        "unknown field" => ModelForm.Onnx("ok").Field("color", "blue"),
        "name given twice" => ModelForm.Onnx("ok").Field("name", "again"),
        "file under another field" => ModelForm.Onnx("ok").File("w.bin", [1], field: "weights"),
        _ => throw new ArgumentOutOfRangeException(nameof(@case)),
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task A_bad_registration_is_refused_naming_the_field_and_rule(string @case, string field, string rule)
    {
        var response = await _app.Http.PostAsync("/api/v1/models", Build(@case).Build());

        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(Problems.Errors(problem, field), m => m.Contains(rule, StringComparison.Ordinal));
        Assert.Empty(_app.TempFiles);
        Assert.Empty(_app.Blobs);
        Assert.Empty((await _app.Http.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/api/v1/models"))!);
    }

    [Fact]
    public async Task Every_broken_field_is_reported_at_once()
    {
        var form = new ModelForm().Field("name", "-bad").Field("tags", "[]").Field("framework", "caffe");
        var problem = await Problems.ReadAsync(await _app.Http.PostAsync("/api/v1/models", form.Build()), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "name", "tags", "framework", "file" }) Assert.NotEmpty(Problems.Errors(problem, field));
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_refused()
    {
        var response = await _app.Http.PostAsync("/api/v1/models", new StringContent("""{"name":"x"}""", Encoding.UTF8, "application/json"));
        await Problems.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("/api/v1/models/-bad/versions/1", "name")]
    [InlineData("/api/v1/models/good/versions/0", "version")]
    [InlineData("/api/v1/models/good/versions/one", "version")]
    [InlineData("/api/v1/models?tag=:x", "tag")]
    [InlineData("/api/v1/models?name=a%20b", "name")]
    [InlineData("/api/v1/models?limit=0", "limit")]
    [InlineData("/api/v1/models?limit=ten", "limit")]
    public async Task Bad_route_and_query_values_are_refused_naming_them(string url, string field)
    {
        var problem = await Problems.ReadAsync(await _app.Http.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problems.Errors(problem, field));
    }

    [Theory]
    [InlineData("""{"description": 5}""", "description")]
    [InlineData("""{"tags": "stage=prod"}""", "tags")]
    [InlineData("""{"tags": {"a": 1}}""", "tags")]
    [InlineData("""{"name": "renamed"}""", "name")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""{"description": """, "body")]
    public async Task Bad_updates_are_refused_naming_the_field(string json, string field)
    {
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", ModelForm.Onnx("patchme").Build())).StatusCode);
        var response = await _app.Http.PatchAsync("/api/v1/models/patchme/versions/latest", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Problems.Errors(problem, field));
    }
}
