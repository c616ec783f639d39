using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace Deploy.Service.Apis;

/// <summary>Reads a JSON body; a malformed one becomes a validation problem naming the JSON path that broke.</summary>
internal static class JsonBody
{
    public static async Task<(T? Value, ValidationProblem? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken);
            if (value is null) return (null, Invalid("body", "A JSON object is required."));
            return (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            // JsonException's message names .NET types ("System.Double"); the field and the rule are what a caller needs.
            return (null, Invalid(field, ex.Path is null
                ? "The body is not valid JSON."
                : $"The value of '{field}' is not of the type this field takes (a number, string, boolean, object or array as documented)."));
        }
    }

    public static ValidationProblem Invalid(string field, string message) => Problems.Invalid(field, message);
}
