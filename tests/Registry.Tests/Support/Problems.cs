using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Registry.Tests.Support;

/// <summary>Reads RFC 7807 problem details answers.</summary>
public static class Problems
{
    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)expected, (int?)problem["status"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem;
    }

    /// <summary>The messages for <paramref name="field"/> in the problem's <c>errors</c>; fails when there are none.</summary>
    public static IReadOnlyList<string> Errors(JsonObject problem, string field)
    {
        var errors = problem["errors"]?.AsObject();
        Assert.True(errors is not null && errors.ContainsKey(field), $"no errors for '{field}' in {problem.ToJsonString()}");
        return errors![field]!.AsArray().Select(m => (string)m!).ToList();
    }
}
