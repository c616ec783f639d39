using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Compute.Tests.Integration;

internal static class Http
{
    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, string json) =>
        client.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The messages of one field of a validation problem.</summary>
    public static string[] FieldErrors(this JsonElement problem, string field) =>
        problem.GetProperty("errors").TryGetProperty(field, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToArray()
            : throw new Xunit.Sdk.XunitException($"no error for field '{field}' in {problem}");

    /// <summary>Polls GET /api/v1/computes/{name} until it leaves Creating.</summary>
    public static async Task<JsonElement> WaitProvisionedAsync(this HttpClient client, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var compute = await (await client.GetAsync($"/api/v1/computes/{name}")).JsonAsync(HttpStatusCode.OK);
            if (compute.GetProperty("provisioningState").GetString() != "Creating" || DateTime.UtcNow > deadline) return compute;
            await Task.Delay(100);
        }
    }

    public static Task<HttpResponseMessage> PutComputeAsync(this HttpClient client, string name, object body) =>
        client.PutAsJsonAsync($"/api/v1/computes/{name}", body);
}
