using Contracts.Clients;
using Contracts.Compute.V1;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Routing;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Rollout;

/// <summary>
/// The autoscaler's changes, carried out like a repair (no new generation, the same node-local name): the deployment's
/// reservation is re-reserved at the desired count (Compute replaces it atomically, so the old placement's capacity
/// counts as free; spread across nodes first, several instances per node when capacity allows), the model is loaded
/// and warmed up on nodes new to the placement, routing switches to the new replica set in one step, and nodes left
/// out are unloaded after the drain. The replicas already serving are never touched, so scaling drops no requests.
/// </summary>
public sealed partial class RolloutOrchestrator
{
    private async Task ScaleAsync(Guid deploymentId, CancellationToken ct)
    {
        var succeeded = false;
        DeploymentEntity? d;
        await using (var read = scopes.CreateAsyncScope())
            d = await read.ServiceProvider.GetRequiredService<DeployDbContext>().Deployments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == deploymentId, ct);
        var loaded = new List<ReplicaResponse>();
        try
        {
            var before = d is null ? [] : JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson);
            // Gone, being rolled out or deleted, on Kubernetes (its HorizontalPodAutoscaler scales), or already there.
            if (d is null || d.NodeModelName is null || d.ReservationId is null || d.State == DeploymentStates.Deleting
                || d.Generation != d.RolledOutGeneration || before.Any(Kubernetes.KubernetesManifests.IsKubernetesReplica))
            {
                succeeded = true;
                return;
            }
            var desired = ResponseMapping.DesiredInstances(d);
            var placed = before.Sum(r => r.Instances);
            if (placed == desired)
            {
                succeeded = true;
                return;
            }
            await Log(d, "info", $"Scaling from {placed} to {desired} instance(s)", ct);
            await using var scope = scopes.CreateAsyncScope();
            var compute = Client<ComputeClient>(scope, "compute");
            var reservation = await compute.ReserveAsync(new ReserveRequest
            {
                ReservationId = d.ReservationId, Compute = d.Compute, Instances = desired,
                CpuCores = d.CpuCores, MemoryGb = d.MemoryGb, Gpus = ServedGpus(d),
            }, ct);
            if (reservation.Placements.Count == 0) throw new RolloutFailure(DeploymentStates.Failed, $"compute '{d.Compute}' placed no replicas");
            var counts = reservation.Placements.GroupBy(p => p.NodeName).ToDictionary(g => g.Key, g => g.Count());
            var placements = reservation.Placements.DistinctBy(p => p.NodeName).ToList();
            await Log(d, "info", $"Reserved {desired} instance(s) on {string.Join(", ", reservation.Placements.Select(p => p.NodeName))} ({d.ReservationId})", ct);

            var runtimes = before.Where(r => r.Runtime is not null).ToDictionary(r => r.NodeName, r => r.Runtime);
            var added = placements.Where(p => before.All(r => r.NodeName != p.NodeName)).ToList();
            if (added.Count > 0)
            {
                var (model, package, script) = await ResolveForRepairAsync(d, ct);
                var inputs = JsonText.Read<List<TensorResponse>>(d.InputsJson);
                foreach (var placement in added)
                {
                    var node = new InferenceNodeClient(GrpcChannels.ForAddress(placement.GrpcAddress), credential.AuthorizationHeader);
                    var response = await Step(d, $"load on {placement.NodeName}", () => node.LoadModelAsync(
                        LoadRequest(d, d.NodeModelName, package.ModelPath, model.Id, ServedGpus(d),
                            script is null ? null : script with { Workers = counts[placement.NodeName] }), NodeCall(ct)));
                    loaded.Add(new ReplicaResponse(placement.NodeName, placement.HttpAddress, placement.GrpcAddress));
                    await Log(d, "info", $"Loaded {d.NodeModelName} on {placement.NodeName}", ct);
                    if (script is null) await WarmUpAsync(d, placement, d.NodeModelName, inputs, ct);
                    if (response.Model?.Runtime is { } r)
                        runtimes[placement.NodeName] = new RuntimeResponse(r.Name, r.Version, r.ExecutionProvider,
                            string.IsNullOrEmpty(r.FallbackReason) ? before.FirstOrDefault()?.Runtime?.FallbackReason : r.FallbackReason);
                }
            }

            var replicas = placements.Select(p => new ReplicaResponse(p.NodeName, p.HttpAddress, p.GrpcAddress,
                runtimes.GetValueOrDefault(p.NodeName), counts[p.NodeName])).ToList();
            if (!await ResizeAsync(d, replicas, ct))
            {
                await Log(d, "info", "The deployment changed while it was being scaled; the autoscaler decides again", ct);
                await UnloadAsync(d, loaded, d.NodeModelName, ct);
                succeeded = true;
                return;
            }
            await Log(d, "info", $"Scaled to {desired} instance(s) on {string.Join(", ", replicas.Select(r => $"{r.NodeName} ×{r.Instances}"))}", ct);
            var removed = before.Where(r => !counts.ContainsKey(r.NodeName)).ToList();
            if (removed.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.DrainSeconds), ct);
                await UnloadAsync(d, removed, d.NodeModelName, ct);
            }
            succeeded = true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && d is not null && ex is RolloutFailure or RpcException)
        {
            var reason = ex is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : ex.Message;
            await Log(d, "error", $"Scaling to {ResponseMapping.DesiredInstances(d)} instance(s) failed: {reason}", ct);
            await UnloadAsync(d, loaded, d.NodeModelName!, ct);
        }
        finally
        {
            var retryIn = autoscaler.Done(deploymentId, succeeded);
            if (!succeeded && d is not null)
                await Log(d, "warn", $"The next scaling attempt is in {retryIn.TotalSeconds:0.#} s at the earliest", CancellationToken.None);
        }
    }

    /// <summary>Routes to the resized replica set in one step, unless what serves changed since the scale began.</summary>
    private async Task<bool> ResizeAsync(DeploymentEntity d, List<ReplicaResponse> replicas, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
        var version = await db.InTransactionAsync(async tx =>
        {
            await db.LockEndpointAsync(d.EndpointName, tx);
            var current = await db.Deployments.SingleOrDefaultAsync(x => x.Id == d.Id, tx);
            if (current is null || current.Generation != d.Generation || current.State == DeploymentStates.Deleting
                || current.NodeModelName != d.NodeModelName || current.ReplicasJson != d.ReplicasJson)
                return 0L;
            current.ReplicasJson = JsonText.Write(replicas);
            // Replicas that left the placement leave the watcher's unready list too.
            current.UnreadyReplicasJson = JsonText.Write(JsonText.Read<List<UnreadyReplicaResponse>>(current.UnreadyReplicasJson)
                .Where(u => replicas.Any(r => r.NodeName == u.NodeName)).ToList());
            current.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(tx);
            return await events.RoutingChangedAsync(d.EndpointName, tx);
        }, ct);
        if (version > 0) events.Committed();
        return version > 0;
    }
}
