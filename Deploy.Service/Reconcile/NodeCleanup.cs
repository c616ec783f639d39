using Contracts.Clients;
using Deploy.Service.Apis;
using Deploy.Service.Autoscale;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Rollout;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Deploy.Service.Reconcile;

/// <summary>
/// Drops what no deployment wants from a node that registers or comes back: a node that was stopped while its
/// instances were placed anew elsewhere still holds the old placement's model (and its memory) when it resumes.
/// A model is ours when its name reads "{endpoint}.{deployment}.g{generation}[.{repair}]"; it is wanted when it is
/// its deployment's routed name and the node is one of that deployment's replicas. Nothing of a deployment that is
/// being rolled out, repaired, scaled or deleted is touched (it may be loading there right now): the node's models are
/// listed before the deployments are read, so a load that shows up in the list is seen by the read as under way.
/// </summary>
public sealed class NodeCleanup(
    IServiceScopeFactory scopes, RepairQueue repairs, Autoscaler autoscaler, DeploymentLog log, PlatformCredential credential,
    IOptions<DeployOptions> options, ILogger<NodeCleanup> logger)
{
    public async Task<int> DropUnwantedAsync(string nodeName, string grpcAddress, CancellationToken ct)
    {
        var node = new InferenceNodeClient(GrpcChannels.ForAddress(grpcAddress), credential.AuthorizationHeader);
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.HealthProbeTimeoutSeconds);
        var held = await node.ListModelsAsync(new CallOptions(deadline: deadline, cancellationToken: ct));

        List<DeploymentEntity> deployments;
        await using (var scope = scopes.CreateAsyncScope())
            deployments = await scope.ServiceProvider.GetRequiredService<DeployDbContext>().Deployments.AsNoTracking().ToListAsync(ct);
        var byName = deployments.ToDictionary(d => (d.EndpointName, d.Name));

        var dropped = 0;
        foreach (var model in held.Models)
        {
            if (model.ModelName.Split('.') is not [var endpoint, var name, var generation, ..] || !generation.StartsWith('g')) continue;
            var d = byName.GetValueOrDefault((endpoint, name));
            if (d is not null && (d.Generation != d.RolledOutGeneration || d.State == DeploymentStates.Deleting || repairs.IsBusy(d.Id) || autoscaler.IsBusy(d.Id)))
                continue;
            if (d is not null && d.NodeModelName == model.ModelName && JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson).Any(r => r.NodeName == nodeName))
                continue;
            try
            {
                await node.UnloadModelAsync(model.ModelName, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct));
                dropped++;
                var why = d is null ? "its deployment no longer exists" : $"the deployment serves as {d.NodeModelName ?? "nothing"} on other nodes";
                if (d is not null) await log.WriteAsync(endpoint, name, "info", $"Dropped {model.ModelName} from {nodeName}: no deployment wants it there ({why})", ct);
                else logger.LogInformation("Dropped {Model} from {Node}: {Why}", model.ModelName, nodeName, why);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Gone meanwhile.
            }
        }
        return dropped;
    }
}
