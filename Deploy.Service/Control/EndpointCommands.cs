using Deploy.Service.Apis;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using Deploy.Service.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Control;

/// <summary>Create, change and delete endpoints.</summary>
public sealed class EndpointCommands(
    DeployDbContext db, ResponseMapping mapping, RoutingEvents events, RolloutQueue rollouts, IOptions<DeployOptions> options)
{
    public async Task<CommandResult<EndpointResponse>> UpsertAsync(string name, EndpointRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!ResourceNames.IsValid(name)) errors["name"] = [$"An endpoint name is {ResourceNames.Rule}."];
        if (request.AuthMode is not null && !AuthModes.IsValid(request.AuthMode))
            errors["authMode"] = ["authMode is one of: key, token, none."];
        if (request.Description is { Length: > 1024 }) errors["description"] = ["A description is at most 1024 characters."];
        if (request.Tags is { Count: > 64 }) errors["tags"] = ["At most 64 tags."];
        if (request.MaxBodyBytes is { } max && (max < 1 || max > 1L << 31 || max != Math.Floor(max)))
            errors["maxBodyBytes"] = ["maxBodyBytes is a whole number from 1 to 2147483648."];
        if (errors.Count > 0) return CommandFailure.Invalid(errors);

        var (result, version) = await db.InTransactionAsync(async ct =>
        {
            var endpoint = await db.LockEndpointAsync(name, ct);
            if (endpoint is { ProvisioningState: "Deleting" })
                return ((CommandResult<EndpointResponse>)CommandFailure.Conflict("endpoint-deleting", "name",
                    $"Endpoint '{name}' is being deleted; try again once it is gone."), 0L);

            var created = endpoint is null;
            var now = DateTimeOffset.UtcNow;
            if (endpoint is null)
            {
                // Two concurrent creates of one name: the second fails on the primary key (the row lock cannot cover a missing row).
                endpoint = new EndpointEntity { Name = name, AuthMode = request.AuthMode ?? "key", CreatedAt = now };
                db.Endpoints.Add(endpoint);
            }
            var routingChanged = created || (request.AuthMode is not null && request.AuthMode != endpoint.AuthMode)
                || (request.MaxBodyBytes is { } m && (long)m != endpoint.MaxBodyBytes);
            if (request.AuthMode is not null) endpoint.AuthMode = request.AuthMode;
            if (request.Description is not null || created) endpoint.Description = request.Description;
            if (request.Tags is not null) endpoint.TagsJson = JsonText.Write(request.Tags);
            endpoint.MaxBodyBytes = request.MaxBodyBytes is { } b ? (long)b : (created ? options.Value.DefaultMaxBodyBytes : endpoint.MaxBodyBytes);
            endpoint.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            var v = routingChanged ? await events.RoutingChangedAsync(name, ct) : 0;
            var deployments = await db.LiveDeploymentsAsync(name, ct);
            return (CommandResult<EndpointResponse>.Ok(mapping.ToResponse(endpoint, deployments), created), v);
        }, cancellationToken);

        if (version > 0) events.Committed();
        return result;
    }

    /// <summary>
    /// Deletes an endpoint: it leaves the API and the routing table at once; the rollout worker then unloads its
    /// deployments, releases their capacity and model uses, and removes the rows.
    /// </summary>
    public async Task<CommandFailure?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var (failure, _, deploymentIds) = await db.InTransactionAsync(async ct =>
        {
            var endpoint = await db.LockEndpointAsync(name, ct);
            if (endpoint is null or { ProvisioningState: "Deleting" })
                return (CommandFailure.NotFound($"No endpoint named '{name}'."), 0L, new List<Guid>());
            endpoint.ProvisioningState = "Deleting";
            endpoint.UpdatedAt = DateTimeOffset.UtcNow;
            var deployments = await db.Deployments.Where(d => d.EndpointName == name).ToListAsync(ct);
            foreach (var d in deployments) d.State = DeploymentStates.Deleting;
            await db.SaveChangesAsync(ct);
            return ((CommandFailure?)null, await events.RoutingChangedAsync(name, ct), deployments.Select(d => d.Id).ToList());
        }, cancellationToken);

        if (failure is not null) return failure;
        foreach (var id in deploymentIds) rollouts.Enqueue(id);
        rollouts.EnqueueEndpointCleanup(name);
        events.Committed();
        return null;
    }

    public Task<EndpointResponse?> GetAsync(string name, CancellationToken cancellationToken) =>
        db.InSnapshotAsync(async ct =>
        {
            var endpoint = await db.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Name == name && e.ProvisioningState != "Deleting", ct);
            if (endpoint is null) return null;
            return mapping.ToResponse(endpoint, await db.LiveDeploymentsAsync(name, ct));
        }, cancellationToken);

    public Task<IReadOnlyList<EndpointResponse>> ListAsync(CancellationToken cancellationToken) =>
        db.InSnapshotAsync(async ct =>
        {
            var endpoints = await db.Endpoints.AsNoTracking().Where(e => e.ProvisioningState != "Deleting").OrderBy(e => e.Name).ToListAsync(ct);
            var deployments = (await db.Deployments.AsNoTracking().Where(d => d.State != DeploymentStates.Deleting).ToListAsync(ct))
                .ToLookup(d => d.EndpointName);
            return (IReadOnlyList<EndpointResponse>)endpoints.Select(e => mapping.ToResponse(e, deployments[e.Name].ToList())).ToList();
        }, cancellationToken);
}
