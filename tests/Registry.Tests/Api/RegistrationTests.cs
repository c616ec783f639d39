using Grpc.Core;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Registry.Tests.Support;
using TestSupport;

namespace Registry.Tests.Api;

[Collection(nameof(InfrastructureCollection))]
public sealed class RegistrationTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private RegistryApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new RegistryApp(infrastructure, "registry_registration");
        await _app.WaitHealthyAsync();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task A_folder_model_is_registered_with_its_signature_and_downloads_byte_identical()
    {
        var weights = RandomNumberGenerator.GetBytes(700_000);
        var labels = "setosa\nversicolor\nvirginica\n"u8.ToArray();
        var model = TestModels.Linear;
        var form = new ModelForm()
            .Field("name", "iris-folder")
            .Field("description", "three classes")
            .Field("tags", """{"stage": "dev", "team": "ml"}""")
            .File("model.onnx", model)
            .File("assets/labels.txt", labels)
            .File("weights/extra.bin", weights);

        var response = await _app.Http.PostAsync("/api/v1/models", form.Build());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/models/iris-folder/versions/1", response.Headers.Location?.OriginalString);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("iris-folder", (string?)body["name"]);
        Assert.Equal(1, (int?)body["version"]);
        Assert.Equal("iris-folder:1", (string?)body["id"]);
        Assert.Equal("onnx", (string?)body["framework"]);
        Assert.Equal("three classes", (string?)body["description"]);
        Assert.Equal("dev", (string?)body["tags"]!["stage"]);
        Assert.NotNull(body["createdAt"]);
        var files = body["files"]!.AsArray();
        Assert.Equal(["assets/labels.txt", "model.onnx", "weights/extra.bin"], files.Select(f => (string?)f!["path"]));
        Assert.Equal(Sha256(weights), (string?)files[2]!["sha256"]);
        Assert.Equal(weights.Length, (long?)files[2]!["size"]);

        // The ONNX signature, symbolic batch dimension included.
        Assert.Equal("model.onnx", (string?)body["modelFile"]);
        var input = body["onnx"]!["inputs"]!.AsArray().Single()!;
        Assert.Equal("x", (string?)input["name"]);
        Assert.Equal("FP32", (string?)input["datatype"]);
        Assert.Equal("""["batch",4]""", input["shape"]!.ToJsonString());
        Assert.Equal("y", (string?)body["onnx"]!["outputs"]![0]!["name"]);
        Assert.Equal(13, (long?)body["onnx"]!["opsets"]![0]!["version"]);

        // Every file comes back byte for byte, through REST...
        Assert.Equal(model, await _app.Http.GetByteArrayAsync("/api/v1/models/iris-folder/versions/1/files/model.onnx"));
        Assert.Equal(labels, await _app.Http.GetByteArrayAsync("/api/v1/models/iris-folder/versions/latest/files/assets/labels.txt"));
        var download = await _app.Http.GetAsync("/api/v1/models/iris-folder/versions/1/files/weights/extra.bin");
        Assert.Equal(weights, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{Sha256(weights)}\"", download.Headers.ETag?.Tag);

        // ...as one zip...
        await using (var zipStream = await _app.Http.GetStreamAsync("/api/v1/models/iris-folder/versions/1/download"))
        {
            var zip = new System.IO.Compression.ZipArchive(zipStream, System.IO.Compression.ZipArchiveMode.Read);
            Assert.Equal(["assets/labels.txt", "model.onnx", "weights/extra.bin"], zip.Entries.Select(e => e.FullName));
            var entry = new MemoryStream();
            await using (var entryStream = zip.GetEntry("weights/extra.bin")!.Open()) await entryStream.CopyToAsync(entry);
            Assert.Equal(weights, entry.ToArray());
        }

        // ...and through gRPC, into a folder.
        var folder = Path.Combine(_app.BlobRoot, "..", $"download-{Guid.NewGuid():N}");
        try
        {
            var resolved = await _app.Registry.DownloadModelAsync("iris-folder", "latest", folder);
            Assert.Equal(1, resolved.Version);
            Assert.Equal(weights, await File.ReadAllBytesAsync(Path.Combine(folder, "weights", "extra.bin")));
            Assert.Equal(labels, await File.ReadAllBytesAsync(Path.Combine(folder, "assets", "labels.txt")));
            Assert.Equal(model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_name_get_distinct_consecutive_versions()
    {
        const int count = 8;
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            _app.Http.PostAsync("/api/v1/models", ModelForm.Onnx("racer").Build())));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = new List<int>();
        foreach (var response in responses) versions.Add((int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
        Assert.Equal(Enumerable.Range(1, count), versions.Order());

        var latest = await _app.Http.GetFromJsonAsync<JsonObject>("/api/v1/models/racer/versions/latest");
        Assert.Equal(count, (int?)latest!["version"]);
        var all = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models/racer/versions");
        Assert.Equal(count, all!.Count);
    }

    [Fact]
    public async Task Identical_files_of_different_versions_are_stored_once()
    {
        var shared = RandomNumberGenerator.GetBytes(50_000);
        for (var i = 0; i < 2; i++)
        {
            var form = new ModelForm().Field("name", "dedupe").Field("framework", "custom").File("weights.bin", shared);
            Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", form.Build())).StatusCode);
        }
        Assert.True(File.Exists(_app.BlobPath(Sha256(shared))));
        Assert.Single(_app.Blobs, b => Path.GetFileName(b) == Sha256(shared));
    }

    [Fact]
    public async Task A_file_that_is_not_onnx_is_refused_naming_the_file_and_leaves_nothing()
    {
        var before = _app.Blobs.Count;
        var form = new ModelForm().Field("name", "not-onnx").File("model.onnx", "definitely not protobuf"u8.ToArray());

        var response = await _app.Http.PostAsync("/api/v1/models", form.Build());

        var problem = await Problems.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("model.onnx", Problems.Errors(problem, "file").Single());
        Assert.Contains("not an ONNX model", Problems.Errors(problem, "file").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/api/v1/models/not-onnx/versions/latest")).StatusCode);
        Assert.Equal(before, _app.Blobs.Count);
        Assert.Empty(_app.TempFiles);
    }

    [Fact]
    public async Task A_model_with_external_data_needs_its_data_file()
    {
        var model = await File.ReadAllBytesAsync(Path.Combine(TestModels.ExternalFolder, "model.onnx"));
        var weights = await File.ReadAllBytesAsync(Path.Combine(TestModels.ExternalFolder, "weights.bin"));

        var without = new ModelForm().Field("name", "external").File("linear/model.onnx", model);
        var problem = await Problems.ReadAsync(await _app.Http.PostAsync("/api/v1/models", without.Build()), HttpStatusCode.BadRequest);
        Assert.Contains("weights.bin", Problems.Errors(problem, "file").Single());

        var with = new ModelForm().Field("name", "external").File("linear/model.onnx", model).File("linear/weights.bin", weights);
        var response = await _app.Http.PostAsync("/api/v1/models", with.Build());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("linear/model.onnx", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["modelFile"]);
    }

    [Fact]
    public async Task A_non_onnx_framework_stores_files_without_a_signature()
    {
        var form = new ModelForm().Field("name", "sk").Field("framework", "scikit-learn").File("model.pkl", [1, 2, 3]);
        var response = await _app.Http.PostAsync("/api/v1/models", form.Build());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("scikit-learn", (string?)body["framework"]);
        Assert.Null(body["onnx"]);
    }

    [Fact]
    public async Task Versions_are_listed_and_filtered_by_name_and_tags_and_tags_can_be_changed()
    {
        var prod = new ModelForm().Field("name", "tagged").Field("tags", """{"stage":"prod","url":"http://x:1"}""").File("m.onnx", TestModels.Linear);
        var dev = new ModelForm().Field("name", "tagged").Field("tags", """{"stage":"dev"}""").File("m.onnx", TestModels.Linear);
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", prod.Build())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", dev.Build())).StatusCode);

        var byTag = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?name=tagged&tag=stage:prod");
        Assert.Equal([1], byTag!.Select(v => (int)v!["version"]!));
        var byColonValue = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?tag=url:http://x:1");
        Assert.Equal(["tagged:1"], byColonValue!.Select(v => (string?)v!["id"]));
        var byKey = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?name=tagged&tag=stage");
        Assert.Equal(2, byKey!.Count);
        var both = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?tag=stage:prod&tag=stage:dev");
        Assert.Empty(both!);

        var patch = await _app.Http.PatchAsJsonAsync("/api/v1/models/tagged/versions/2", new { description = "promoted", tags = new { stage = "prod" } });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var patched = (await patch.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("promoted", (string?)patched["description"]);
        Assert.Equal("""{"stage":"prod"}""", patched["tags"]!.ToJsonString());
        byTag = await _app.Http.GetFromJsonAsync<JsonArray>("/api/v1/models?name=tagged&tag=stage:prod");
        Assert.Equal([2, 1], byTag!.Select(v => (int)v!["version"]!));

        // Only the description this time: the tags stay.
        var descriptionOnly = await _app.Http.PatchAsJsonAsync("/api/v1/models/tagged/versions/2", new { description = "again" });
        Assert.Equal("""{"stage":"prod"}""", (await descriptionOnly.Content.ReadFromJsonAsync<JsonObject>())!["tags"]!.ToJsonString());
    }

    [Fact]
    public async Task Unknown_models_versions_and_files_are_404()
    {
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", ModelForm.Onnx("known").Build())).StatusCode);
        await Problems.ReadAsync(await _app.Http.GetAsync("/api/v1/models/nobody/versions/latest"), HttpStatusCode.NotFound);
        await Problems.ReadAsync(await _app.Http.GetAsync("/api/v1/models/nobody/versions"), HttpStatusCode.NotFound);
        await Problems.ReadAsync(await _app.Http.GetAsync("/api/v1/models/known/versions/99"), HttpStatusCode.NotFound);
        await Problems.ReadAsync(await _app.Http.GetAsync("/api/v1/models/known/versions/1/files/nothing.bin"), HttpStatusCode.NotFound);
        await Problems.ReadAsync(await _app.Http.DeleteAsync("/api/v1/models/known/versions/99"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_corrupted_blob_is_never_served_as_the_file()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var form = new ModelForm().Field("name", "corrupt").Field("framework", "custom").File("data.bin", content);
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/api/v1/models", form.Build())).StatusCode);
        var damaged = (byte[])content.Clone();
        damaged[10] ^= 0x55;
        await File.WriteAllBytesAsync(_app.BlobPath(Sha256(content)), damaged);

        var response = await _app.Http.GetAsync("/api/v1/models/corrupt/versions/1/files/data.bin");
        await Problems.ReadAsync(response, HttpStatusCode.InternalServerError);

        // The zip of all files breaks off rather than carrying the damaged copy.
        var zipFailure = await Record.ExceptionAsync(() => _app.Http.GetByteArrayAsync("/api/v1/models/corrupt/versions/1/download"));
        Assert.True(zipFailure is HttpRequestException or IOException, $"expected a broken download, got {zipFailure}");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _app.Registry.DownloadFileAsync("corrupt", "1", "data.bin", new MemoryStream()));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }
}
