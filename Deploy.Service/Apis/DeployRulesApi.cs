using Deploy.Service.Rules;
using ServiceDefaults.Http;

namespace Deploy.Service.Apis;

/// <summary>/api/v1/deploy-rules: event-driven deployments of newly registered model versions.</summary>
public static class DeployRulesApi
{
    public static IEndpointRouteBuilder MapDeployRulesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/deploy-rules").WithTags("Deploy rules");
        api.MapPut("/{name}", PutRule);
        api.MapGet("/", async (DeployRuleCommands rules, CancellationToken ct) => TypedResults.Ok(await rules.ListAsync(ct)));
        api.MapGet("/{name}", GetRule);
        api.MapDelete("/{name}", DeleteRule);
        return app;
    }

    private static async Task<IResult> PutRule(string name, HttpRequest http, DeployRuleCommands rules, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync<DeployRuleRequest>(http, ct);
        if (problem is not null) return problem;
        var result = await rules.UpsertAsync(name, request!, ct);
        if (result.Failure is { } failure) return failure.ToProblem();
        return result.Created ? TypedResults.Created($"/api/v1/deploy-rules/{name}", result.Value) : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> GetRule(string name, DeployRuleCommands rules, CancellationToken ct) =>
        await rules.GetAsync(name, ct) is { } rule ? TypedResults.Ok(rule) : NotFound(name);

    private static async Task<IResult> DeleteRule(string name, DeployRuleCommands rules, CancellationToken ct) =>
        await rules.DeleteAsync(name, ct) ? TypedResults.NoContent() : NotFound(name);

    private static IResult NotFound(string name) =>
        Problems.NotFound($"No deploy rule named '{name}'.", "Not found");
}
