using Deploy.Service.Control;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using ServiceDefaults.Http;

namespace Deploy.Service.Apis;

/// <summary>/api/v1/endpoints/{name}/deployments, logs, and the endpoint's traffic and mirror splits.</summary>
public static class DeploymentsApi
{
    public static IEndpointRouteBuilder MapDeploymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/endpoints/{endpoint}").WithTags("Deployments");
        api.MapPut("/deployments/{deployment}", PutDeployment);
        api.MapGet("/deployments", ListDeployments);
        api.MapGet("/deployments/{deployment}", GetDeployment);
        api.MapGet("/deployments/{deployment}/logs", GetLogs);
        api.MapDelete("/deployments/{deployment}", DeleteDeployment);
        api.MapPut("/traffic", (string endpoint, HttpRequest http, DeploymentCommands c, EndpointCommands e, CancellationToken ct) =>
            PutSplit(endpoint, http, mirror: false, c, e, ct));
        api.MapPut("/mirror", (string endpoint, HttpRequest http, DeploymentCommands c, EndpointCommands e, CancellationToken ct) =>
            PutSplit(endpoint, http, mirror: true, c, e, ct));
        return app;
    }

    private static async Task<IResult> PutDeployment(string endpoint, string deployment, HttpRequest http, DeploymentCommands commands, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync<DeploymentRequest>(http, ct);
        if (problem is not null) return problem;
        var result = await commands.UpsertAsync(endpoint, deployment, request!, modelOverride: null, ct);
        if (result.Failure is { } failure) return failure.ToProblem();
        return result.Created
            ? TypedResults.Created($"/api/v1/endpoints/{endpoint}/deployments/{deployment}", result.Value)
            : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> ListDeployments(string endpoint, DeploymentCommands commands, CancellationToken ct) =>
        await commands.ListAsync(endpoint, ct) is { } list ? TypedResults.Ok(list) : EndpointNotFound(endpoint);

    private static async Task<IResult> GetDeployment(string endpoint, string deployment, DeploymentCommands commands, CancellationToken ct)
    {
        var (found, endpointExists) = await commands.GetAsync(endpoint, deployment, ct);
        if (!endpointExists) return EndpointNotFound(endpoint);
        return found is null ? DeploymentNotFound(endpoint, deployment) : TypedResults.Ok(found);
    }

    private static async Task<IResult> GetLogs(string endpoint, string deployment, string? tail, DeploymentCommands commands, DeployDbContext db,
        IHttpClientFactory httpClients, CancellationToken ct)
    {
        var count = 100;
        if (tail is not null && (!int.TryParse(tail, out count) || count < 1 || count > DeploymentLog.MaxTail))
            return JsonBody.Invalid("tail", $"tail is a whole number from 1 to {DeploymentLog.MaxTail}.");
        var (found, endpointExists) = await commands.GetAsync(endpoint, deployment, ct);
        if (!endpointExists) return EndpointNotFound(endpoint);
        if (found is null) return DeploymentNotFound(endpoint, deployment);
        var lines = await DeploymentLog.TailAsync(db, endpoint, deployment, count, ct);
        if (found.EntryScript is not null && found.NodeModelName is not null)
            lines = [.. lines, .. await ScriptOutputAsync(found, count, httpClients, ct)];
        return TypedResults.Text(string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""), "text/plain; charset=utf-8");
    }

    /// <summary>
    /// What a scoring script printed, from each node that runs it (each line names the instance). Nodes keep it in
    /// memory, so it covers the workers now serving; a node that cannot be asked is named instead.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ScriptOutputAsync(DeploymentResponse deployment, int count, IHttpClientFactory httpClients, CancellationToken ct)
    {
        var http = httpClients.CreateClient(RolloutOrchestrator.NodeHttpClient);
        http.Timeout = TimeSpan.FromSeconds(10);
        var lines = new List<string>();
        foreach (var replica in deployment.Replicas)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri(new Uri(replica.HttpAddress),
                    $"/admin/models/{Uri.EscapeDataString(deployment.NodeModelName!)}/logs?tail={count}"), ct);
                lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
            catch (HttpRequestException ex)
            {
                lines.Add($"(the script output of {replica.NodeName} could not be read: {ex.Message})");
            }
        }
        return lines;
    }

    private static async Task<IResult> DeleteDeployment(string endpoint, string deployment, DeploymentCommands commands, CancellationToken ct) =>
        await commands.DeleteAsync(endpoint, deployment, ct) is { } failure ? failure.ToProblem() : TypedResults.NoContent();

    /// <summary>Answers the endpoint as it now is, so the caller sees the effective split (the default's remainder included).</summary>
    private static async Task<IResult> PutSplit(string endpoint, HttpRequest http, bool mirror, DeploymentCommands commands, EndpointCommands endpoints, CancellationToken ct)
    {
        var (split, problem) = await JsonBody.ReadAsync<Dictionary<string, double>>(http, ct);
        if (problem is not null) return problem;
        if (await commands.SetSplitAsync(endpoint, split!, mirror, ct) is { } failure) return failure.ToProblem();
        return await endpoints.GetAsync(endpoint, ct) is { } updated ? TypedResults.Ok(updated) : EndpointNotFound(endpoint);
    }

    private static IResult EndpointNotFound(string endpoint) =>
        Problems.NotFound($"No endpoint named '{endpoint}'.", "Not found");

    private static IResult DeploymentNotFound(string endpoint, string deployment) =>
        Problems.NotFound($"Endpoint '{endpoint}' has no deployment '{deployment}'.", "Not found");
}
