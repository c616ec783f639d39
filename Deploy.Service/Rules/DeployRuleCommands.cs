using System.Text.Json;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Rules;

/// <summary>Deploy rules: "when a new version of model M is registered, deploy it to endpoint E as deployment D".</summary>
public sealed class DeployRuleCommands(DeployDbContext db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<CommandResult<DeployRuleResponse>> UpsertAsync(string name, DeployRuleRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ResourceNames.IsValid(name)) errors["name"] = [$"A deploy rule name is {ResourceNames.Rule}."];
        if (!ModelReference.IsValidModelName(request.Model))
            errors["model"] = ["model is a model name (1–255 of A-Za-z0-9._-, starting with a letter or digit), without a version."];
        if (!ResourceNames.IsValid(request.Endpoint)) errors["endpoint"] = [$"endpoint is an endpoint name: {ResourceNames.Rule}."];
        var deploymentName = request.DeploymentName ?? name;
        if (!ResourceNames.IsValid(deploymentName)) errors["deploymentName"] = [$"deploymentName is a deployment name: {ResourceNames.Rule}."];
        var body = request.Deployment ?? new DeploymentRequest(null, null, null, null, null, null, null, null, null, null, null);
        // The registered version fills in the model when the rule fires; validate the rest now with a stand-in.
        foreach (var (field, messages) in DeploymentSpec.Validate(body, modelOverride: "model:1", out _, prefix: "deployment."))
            errors[field] = messages;
        if (request.TrafficPercentile is { } t && (t != Math.Floor(t) || t < 0 || t > 100))
            errors["trafficPercentile"] = ["trafficPercentile is a whole number from 0 to 100 (rule: integer-percent / percent-range)."];
        if (errors.Count > 0) return CommandFailure.Invalid(errors);

        var now = DateTimeOffset.UtcNow;
        var rule = await db.DeployRules.SingleOrDefaultAsync(r => r.Name == name, cancellationToken);
        var created = rule is null;
        rule ??= db.DeployRules.Add(new DeployRuleEntity
        {
            Name = name, ModelName = request.Model!, EndpointName = request.Endpoint!, DeploymentName = deploymentName, CreatedAt = now,
        }).Entity;
        rule.ModelName = request.Model!;
        rule.EndpointName = request.Endpoint!;
        rule.DeploymentName = deploymentName;
        rule.DeploymentJson = JsonSerializer.Serialize(body with { Model = null }, Json);
        rule.TrafficPercentile = request.TrafficPercentile is { } p ? (int)p : null;
        rule.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return CommandResult<DeployRuleResponse>.Ok(await ToResponseAsync(rule, cancellationToken), created);
    }

    public async Task<DeployRuleResponse?> GetAsync(string name, CancellationToken cancellationToken) =>
        await db.DeployRules.AsNoTracking().SingleOrDefaultAsync(r => r.Name == name, cancellationToken) is { } rule
            ? await ToResponseAsync(rule, cancellationToken)
            : null;

    public async Task<IReadOnlyList<DeployRuleResponse>> ListAsync(CancellationToken cancellationToken)
    {
        var rules = await db.DeployRules.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken);
        var list = new List<DeployRuleResponse>();
        foreach (var rule in rules) list.Add(await ToResponseAsync(rule, cancellationToken));
        return list;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var removed = await db.DeployRules.Where(r => r.Name == name).ExecuteDeleteAsync(cancellationToken);
        await db.DeployRuleFirings.Where(f => f.RuleName == name).ExecuteDeleteAsync(cancellationToken);
        return removed > 0;
    }

    internal static DeploymentRequest DeploymentBody(DeployRuleEntity rule) =>
        JsonSerializer.Deserialize<DeploymentRequest>(rule.DeploymentJson, Json)!;

    private async Task<DeployRuleResponse> ToResponseAsync(DeployRuleEntity rule, CancellationToken cancellationToken)
    {
        var firings = await db.DeployRuleFirings.AsNoTracking().Where(f => f.RuleName == rule.Name)
            .OrderByDescending(f => f.ModelVersion).Take(50)
            .Select(f => new DeployRuleFiringResponse(f.ModelVersion, f.Outcome, f.Detail, f.FiredAt))
            .ToListAsync(cancellationToken);
        return new DeployRuleResponse(rule.Name, rule.ModelName, rule.EndpointName, rule.DeploymentName,
            DeploymentBody(rule), rule.TrafficPercentile, firings, rule.CreatedAt, rule.UpdatedAt);
    }
}
