using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace TestSupport;

/// <summary>The control-plane calls tests make through the gateway's admin client, failing with the answer's body.</summary>
public static class AdminApi
{
    /// <summary>Registers <paramref name="onnxFile"/> as a new version of <paramref name="name"/>; returns the version.</summary>
    public static async Task<int> RegisterModelAsync(this HttpClient admin, string name, string onnxFile)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(onnxFile));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "model.onnx");
        using var response = await admin.PostAsync("/api/v1/models", form);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new HttpRequestException($"registering {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;
    }

    /// <summary>PUTs a JSON body and returns the JSON answer; any non-success status throws with the problem details.</summary>
    public static async Task<JsonObject> PutJsonAsync(this HttpClient admin, string path, string json)
    {
        using var response = await admin.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
