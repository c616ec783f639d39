using Contracts.Events;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Rules;

/// <summary>
/// Fires the deploy rules of a newly registered model version. Idempotent per (rule, version): a firing row is claimed
/// first, and a redelivered event finds it done. A version older than the one the deployment already runs is skipped,
/// so events arriving out of order never roll a deployment back.
/// </summary>
public sealed class ModelRegisteredConsumer(DeployDbContext db, DeploymentCommands deployments, ILogger<ModelRegisteredConsumer> logger)
    : IConsumer<ModelRegistered>
{
    private const string Pending = "Pending";

    public async Task Consume(ConsumeContext<ModelRegistered> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        var rules = await db.DeployRules.AsNoTracking().Where(r => r.ModelName == message.ModelName).ToListAsync(ct);
        foreach (var rule in rules)
        {
            // Claim (rule, version); an existing row that is no longer Pending means this event was handled already.
            var claimed = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO deploy_rule_firings ("RuleName", "ModelVersion", "Outcome", "Detail", "FiredAt")
                VALUES ({rule.Name}, {message.Version}, {Pending}, NULL, {DateTimeOffset.UtcNow})
                ON CONFLICT ("RuleName", "ModelVersion") DO NOTHING
                """, ct);
            if (claimed == 0 && await db.DeployRuleFirings.AsNoTracking()
                    .AnyAsync(f => f.RuleName == rule.Name && f.ModelVersion == message.Version && f.Outcome != Pending, ct))
                continue;

            var (outcome, detail) = await FireAsync(rule, message, ct);
            await db.DeployRuleFirings.Where(f => f.RuleName == rule.Name && f.ModelVersion == message.Version)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.Outcome, outcome).SetProperty(f => f.Detail, detail)
                    .SetProperty(f => f.FiredAt, DateTimeOffset.UtcNow), ct);
            logger.LogInformation("Deploy rule {Rule} for {Model}:{Version}: {Outcome} {Detail}", rule.Name, message.ModelName, message.Version, outcome, detail);
        }
    }

    private async Task<(string Outcome, string Detail)> FireAsync(DeployRuleEntity rule, ModelRegistered message, CancellationToken ct)
    {
        var current = await db.Deployments.AsNoTracking()
            .SingleOrDefaultAsync(d => d.EndpointName == rule.EndpointName && d.Name == rule.DeploymentName && d.State != DeploymentStates.Deleting, ct);
        if (current is not null && ModelReference.TryParse(current.Model, out var running) && running.Name == message.ModelName
            && int.TryParse(running.Version, out var runningVersion) && runningVersion >= message.Version)
            return ("Skipped", $"{rule.EndpointName}/{rule.DeploymentName} already runs {current.Model}, not older version {message.Version}.");

        var body = DeployRuleCommands.DeploymentBody(rule) with { TrafficPercentile = rule.TrafficPercentile };
        var model = $"{message.ModelName}:{message.Version}";
        var result = await deployments.UpsertAsync(rule.EndpointName, rule.DeploymentName, body, model, ct);
        return result.Failure is { } failure
            ? ("Refused", failure.ToString() + (failure.Errors.Count > 0 ? " " + string.Join("; ", failure.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))) : ""))
            : ("Applied", $"{(result.Created ? "Created" : "Updated")} {rule.EndpointName}/{rule.DeploymentName} with {model}.");
    }
}
