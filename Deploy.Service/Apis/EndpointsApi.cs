using Deploy.Service.Control;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Http;

namespace Deploy.Service.Apis;

/// <summary>/api/v1/endpoints: create or change, read, list and delete endpoints (the gateway forwards here).</summary>
public static class EndpointsApi
{
    public static IEndpointRouteBuilder MapEndpointsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/endpoints").WithTags("Endpoints");
        api.MapPut("/{name}", PutEndpoint);
        api.MapGet("/", ListEndpoints);
        api.MapGet("/{name}", GetEndpoint);
        api.MapDelete("/{name}", DeleteEndpoint);
        return app;
    }

    private static async Task<IResult> PutEndpoint(string name, HttpRequest http, EndpointCommands commands, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync<EndpointRequest>(http, ct);
        if (problem is not null) return problem;
        var result = await commands.UpsertAsync(name, request!, ct);
        if (result.Failure is { } failure) return failure.ToProblem();
        return result.Created
            ? TypedResults.Created($"/api/v1/endpoints/{name}", result.Value)
            : TypedResults.Ok(result.Value);
    }

    private static async Task<Ok<IReadOnlyList<EndpointResponse>>> ListEndpoints(EndpointCommands commands, CancellationToken ct) =>
        TypedResults.Ok(await commands.ListAsync(ct));

    private static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> GetEndpoint(string name, EndpointCommands commands, CancellationToken ct) =>
        await commands.GetAsync(name, ct) is { } endpoint
            ? TypedResults.Ok(endpoint)
            : Problems.NotFound($"No endpoint named '{name}'.", "Not found");

    private static async Task<IResult> DeleteEndpoint(string name, EndpointCommands commands, CancellationToken ct) =>
        await commands.DeleteAsync(name, ct) is { } failure ? failure.ToProblem() : TypedResults.NoContent();
}
