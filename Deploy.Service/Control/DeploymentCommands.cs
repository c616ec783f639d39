using Deploy.Service.Apis;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using Deploy.Service.Routing;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Control;

/// <summary>Create, update and delete deployments and change an endpoint's traffic and mirror splits.</summary>
public sealed class DeploymentCommands(DeployDbContext db, RoutingEvents events, RolloutQueue rollouts, DeploymentLog log, DeploymentReferences references)
{
    /// <summary>
    /// Creates or updates a deployment. A change to what it runs (model, compute, size, batching, or forceRebuild)
    /// starts a rollout; a change to its place in the traffic only changes routing. <paramref name="modelOverride"/>
    /// is used by deploy rules, whose body has no model.
    /// </summary>
    public async Task<CommandResult<DeploymentResponse>> UpsertAsync(
        string endpointName, string name, DeploymentRequest request, string? modelOverride, CancellationToken cancellationToken)
    {
        var errors = DeploymentSpec.Validate(request, modelOverride, out var spec);
        if (!ResourceNames.IsValid(name)) errors["deployment"] = [$"A deployment name is {ResourceNames.Rule}."];
        if (errors.Count > 0 || spec is null) return CommandFailure.Invalid(errors);
        if (await references.CheckAsync(spec, cancellationToken) is { } missing) return missing;

        var (result, _, rolloutId, _) = await db.InTransactionAsync(async ct =>
        {
            var endpoint = await db.LockEndpointAsync(endpointName, ct);
            if (endpoint is null or { ProvisioningState: "Deleting" })
                return ((CommandResult<DeploymentResponse>)CommandFailure.NotFound($"No endpoint named '{endpointName}'."), 0L, (Guid?)null, "");

            var all = await db.Deployments.Where(d => d.EndpointName == endpointName).ToListAsync(ct);
            var existing = all.SingleOrDefault(d => d.Name == name);
            if (existing is { State: DeploymentStates.Deleting })
                return (CommandFailure.Conflict("deployment-deleting", "deployment",
                    $"Deployment '{name}' is being deleted; try again once it is gone."), 0L, null, "");

            var plan = EndpointPlans.ToPlan(endpoint, all.Where(d => d.State != DeploymentStates.Deleting));
            var decision = TrafficRules.UpsertDeployment(plan, name, request.IsDefault ?? false,
                request.IsControl ?? plan.ControlDeployment == name, request.TrafficPercentile);
            if (decision.Refusal is { } refusal)
                return (refusal.IsConflict
                    ? CommandFailure.Conflict(refusal.Rule, refusal.Field, refusal.Message)
                    : CommandFailure.Invalid(refusal.Rule, refusal.Field, refusal.Message), 0L, null, "");

            var now = DateTimeOffset.UtcNow;
            var created = existing is null;
            var deployment = existing ?? new DeploymentEntity
            {
                Id = Guid.NewGuid(), EndpointName = endpointName, Name = name, CreatedAt = now,
                Model = spec.Model, Compute = spec.Compute,
            };
            // A failed deployment is retried with the same body plus forceRebuild: true; a plain re-PUT changes nothing.
            var specChanged = created || Describe(deployment) != spec || request.ForceRebuild == true;
            if (specChanged)
            {
                deployment.Model = spec.Model;
                deployment.Compute = spec.Compute;
                deployment.InstanceCount = spec.InstanceCount;
                // A new generation starts from instanceCount; the autoscaler moves it within scale's bounds.
                deployment.DesiredInstances = spec.InstanceCount;
                deployment.ScaleJson = spec.Scale is null ? null : JsonText.Write(spec.Scale);
                deployment.CpuCores = spec.CpuCores;
                deployment.MemoryGb = spec.MemoryGb;
                deployment.Gpus = spec.Gpus;
                deployment.AllowCpuFallback = spec.AllowCpuFallback;
                deployment.GpuOptionsJson = spec.GpuOptions is null ? null : JsonText.Write(spec.GpuOptions);
                deployment.Environment = spec.Script?.Environment;
                deployment.CodeModel = spec.Script?.CodeModel;
                deployment.EntryScript = spec.Script?.EntryScript;
                deployment.MaxBatchSize = spec.MaxBatchSize;
                deployment.MaxQueueDelayMicroseconds = spec.MaxQueueDelayMicroseconds;
                deployment.ForceRebuild = request.ForceRebuild == true;
                deployment.Generation++;
                // A deployment already serving keeps serving its current replicas while the new ones come up.
                deployment.State = deployment.NodeModelName is null ? DeploymentStates.Creating : DeploymentStates.Transitioning;
                deployment.Error = null;
            }
            deployment.UpdatedAt = now;
            if (created) db.Deployments.Add(deployment);
            EndpointPlans.Apply(endpoint, decision.Plan!);
            await db.SaveChangesAsync(ct);
            if (specChanged) events.StateChanged(endpointName, name, deployment.State, null);
            var v = await events.RoutingChangedAsync(endpointName, ct);
            var livePlan = decision.Plan!;
            return (CommandResult<DeploymentResponse>.Ok(ResponseMapping.ToResponse(deployment, livePlan), created), v,
                specChanged ? deployment.Id : (Guid?)null, deployment.State);
        }, cancellationToken);

        if (result.Failure is not null) return result;
        if (rolloutId is { } id)
        {
            await log.WriteAsync(endpointName, name, "info",
                $"{(result.Created ? "Created" : "Updated")}: model {spec.Model}, compute {spec.Compute}, {spec.InstanceCount} instance(s) of " +
                $"{spec.CpuCores} cores / {spec.MemoryGb} GB / {spec.Gpus} GPU(s)" +
                (spec.Scale is { } scale ? $", autoscaled within {scale.MinInstances}..{scale.MaxInstances} at {scale.TargetConcurrentRequests:0.##} request(s) in flight per instance" : "") +
                "; rollout queued", cancellationToken);
            rollouts.Enqueue(id);
        }
        events.Committed();
        return result;
    }

    public async Task<CommandFailure?> DeleteAsync(string endpointName, string name, CancellationToken cancellationToken)
    {
        var (failure, _, id) = await db.InTransactionAsync(async ct =>
        {
            var endpoint = await db.LockEndpointAsync(endpointName, ct);
            if (endpoint is null or { ProvisioningState: "Deleting" })
                return (CommandFailure.NotFound($"No endpoint named '{endpointName}'."), 0L, Guid.Empty);
            var live = await db.LiveDeploymentsAsync(endpointName, ct);
            var deployment = live.SingleOrDefault(d => d.Name == name);
            if (deployment is null)
                return (CommandFailure.NotFound($"Endpoint '{endpointName}' has no deployment '{name}'."), 0L, Guid.Empty);
            EndpointPlans.Apply(endpoint, TrafficRules.RemoveDeployment(EndpointPlans.ToPlan(endpoint, live), name));
            deployment.State = DeploymentStates.Deleting;
            deployment.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(ct);
            events.StateChanged(endpointName, name, DeploymentStates.Deleting, null);
            return ((CommandFailure?)null, await events.RoutingChangedAsync(endpointName, ct), deployment.Id);
        }, cancellationToken);
        if (failure is not null) return failure;

        rollouts.Enqueue(id);
        events.Committed();
        return null;
    }

    /// <summary>PUT …/traffic (<paramref name="mirror"/> false) or PUT …/mirror (true).</summary>
    public async Task<CommandFailure?> SetSplitAsync(string endpointName, IReadOnlyDictionary<string, double> split, bool mirror, CancellationToken cancellationToken)
    {
        var (failure, _) = await db.InTransactionAsync(async ct =>
        {
            var endpoint = await db.LockEndpointAsync(endpointName, ct);
            if (endpoint is null or { ProvisioningState: "Deleting" })
                return (CommandFailure.NotFound($"No endpoint named '{endpointName}'."), 0L);
            var plan = EndpointPlans.ToPlan(endpoint, await db.LiveDeploymentsAsync(endpointName, ct));
            var decision = mirror ? TrafficRules.SetMirror(plan, split) : TrafficRules.SetTraffic(plan, split);
            if (decision.Refusal is { } r)
                return (r.IsConflict ? CommandFailure.Conflict(r.Rule, r.Field, r.Message) : CommandFailure.Invalid(r.Rule, r.Field, r.Message), 0L);
            EndpointPlans.Apply(endpoint, decision.Plan!);
            await db.SaveChangesAsync(ct);
            return ((CommandFailure?)null, await events.RoutingChangedAsync(endpointName, ct));
        }, cancellationToken);
        if (failure is null) events.Committed();
        return failure;
    }

    public Task<(DeploymentResponse? Deployment, bool EndpointExists)> GetAsync(string endpointName, string name, CancellationToken cancellationToken) =>
        db.InSnapshotAsync(async ct =>
        {
            var endpoint = await db.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Name == endpointName && e.ProvisioningState != "Deleting", ct);
            if (endpoint is null) return ((DeploymentResponse?)null, false);
            var live = await db.LiveDeploymentsAsync(endpointName, ct);
            var deployment = live.SingleOrDefault(d => d.Name == name);
            return (deployment is null ? null : ResponseMapping.ToResponse(deployment, EndpointPlans.ToPlan(endpoint, live)), true);
        }, cancellationToken);

    public Task<IReadOnlyList<DeploymentResponse>?> ListAsync(string endpointName, CancellationToken cancellationToken) =>
        db.InSnapshotAsync(async ct =>
        {
            var endpoint = await db.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Name == endpointName && e.ProvisioningState != "Deleting", ct);
            if (endpoint is null) return (IReadOnlyList<DeploymentResponse>?)null;
            var live = await db.LiveDeploymentsAsync(endpointName, ct);
            var plan = EndpointPlans.ToPlan(endpoint, live);
            return live.Select(d => ResponseMapping.ToResponse(d, plan)).ToList();
        }, cancellationToken);

    private static DeploymentSpec Describe(DeploymentEntity d) =>
        new(d.Model, d.Compute, d.InstanceCount, d.CpuCores, d.MemoryGb, d.Gpus, d.MaxBatchSize, d.MaxQueueDelayMicroseconds, d.AllowCpuFallback, ResponseMapping.GpuOptionsOf(d),
            ResponseMapping.ScriptOf(d), ResponseMapping.ScaleOf(d));
}
