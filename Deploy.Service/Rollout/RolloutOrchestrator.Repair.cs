using System.Diagnostics;
using Contracts.Clients;
using Contracts.Compute.V1;
using Contracts.Registry.V1;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Reconcile;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;

namespace Deploy.Service.Rollout;

/// <summary>
/// The reconciler's repairs: the deployment's row is the desired state (model, resources, instance count, generation);
/// what the nodes hold is brought back to it without a new generation. A node that answers but lost the model (it
/// restarted) gets it loaded again under the same node-local name, and the watcher routes to it at its next probe.
/// Instances on nodes that are lost are placed anew on live nodes with capacity: a new reservation and node-local
/// name, load and warm-up, then the same one-step switch as a rollout, after which the old reservation is released.
/// </summary>
public sealed partial class RolloutOrchestrator
{
    private async Task RepairAsync(DeploymentEntity d, RepairOrder order, CancellationToken ct)
    {
        var succeeded = false;
        try
        {
            // Asked before something else (a rollout, another repair) changed what serves: the watcher asks afresh.
            if (d.NodeModelName != order.NodeModelName || JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson).Any(Kubernetes.KubernetesManifests.IsKubernetesReplica))
            {
                succeeded = true;
                return;
            }
            succeeded = order.Replace ? await ReplaceAsync(d, order, ct) : await ReloadAsync(d, order, ct);
        }
        finally
        {
            var retryIn = repairs.Done(d.Id, succeeded);
            if (!succeeded) await Log(d, "warn", $"Repair failed; the next attempt is in {retryIn.TotalSeconds:0.#} s at the earliest", CancellationToken.None);
        }
    }

    /// <summary>Loads the model again on nodes that answer but no longer hold it, under the name routing already uses.</summary>
    private async Task<bool> ReloadAsync(DeploymentEntity d, RepairOrder order, CancellationToken ct)
    {
        await Log(d, "info", $"Repair: {order.Reason}; loading {d.NodeModelName} again on {string.Join(", ", order.ReloadOn)}", ct);
        try
        {
            var (model, package, script) = await ResolveForRepairAsync(d, ct);
            var inputs = JsonText.Read<List<TensorResponse>>(d.InputsJson);
            var all = JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson);
            var replicas = all.Where(r => order.ReloadOn.Contains(r.NodeName)).ToList();
            // The reservation's split per node is not kept with the replicas: share the instances out evenly.
            script = script is null ? null : script with { Workers = (int)Math.Ceiling(ResponseMapping.DesiredInstances(d) / (double)Math.Max(1, all.Count)) };
            foreach (var replica in replicas)
            {
                var placement = new Placement { NodeName = replica.NodeName, HttpAddress = replica.HttpAddress, GrpcAddress = replica.GrpcAddress };
                var node = new InferenceNodeClient(GrpcChannels.ForAddress(replica.GrpcAddress), credential.AuthorizationHeader);
                await Step(d, $"load on {replica.NodeName}", () => node.LoadModelAsync(
                    LoadRequest(d, d.NodeModelName!, package.ModelPath, model.Id, d.Gpus, script), NodeCall(ct)));
                await Log(d, "info", $"Loaded {d.NodeModelName} again on {replica.NodeName}", ct);
                // A script's valid input is its own business: init() having run is its warm-up.
                if (script is null) await WarmUpAsync(d, placement, d.NodeModelName!, inputs, ct);
            }
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is RolloutFailure or RpcException)
        {
            await Log(d, "error", $"Repair by reloading failed: {ex.Message}", ct);
            return false;
        }
    }

    /// <summary>Places every instance anew on live nodes, switches routing to them, then retires the old placement.</summary>
    private async Task<bool> ReplaceAsync(DeploymentEntity d, RepairOrder order, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        // A new name per repair: the old and new placements may share a node while the switch is under way.
        var suffix = $"r{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds():x}";
        var nodeModelName = $"{d.EndpointName}.{d.Name}.g{d.Generation}.{suffix}";
        var reservationId = $"{d.EndpointName}/{d.Name}/g{d.Generation}/{suffix}";
        var loaded = new List<Placement>();
        ReserveResponse? reservation = null;
        await Log(d, "info", $"Repair: {order.Reason}; placing {ResponseMapping.DesiredInstances(d)} instance(s) anew on live nodes of compute '{d.Compute}'", ct);
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var (model, package, script) = await ResolveForRepairAsync(d, ct);
            var compute = Client<ComputeClient>(scope, "compute");
            var request = new ReserveRequest
            {
                ReservationId = reservationId, Compute = d.Compute, Instances = ResponseMapping.DesiredInstances(d),
                CpuCores = d.CpuCores, MemoryGb = d.MemoryGb, Gpus = ServedGpus(d),
            };
            try
            {
                reservation = await compute.ReserveAsync(request, ct);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted && d.ReservationId is not null)
            {
                // The old placement still holds capacity on the nodes that are alive; it cannot serve from the lost
                // ones, so its capacity moves to the new placement.
                await Log(d, "info", $"No room beside the current placement ({ex.Status.Detail}); releasing {d.ReservationId} first", ct);
                await compute.ReleaseAsync(d.ReservationId, ct);
                reservation = await compute.ReserveAsync(request, ct);
            }
            if (reservation.Placements.Count == 0) throw new RolloutFailure(DeploymentStates.Failed, $"compute '{d.Compute}' placed no replicas");
            var placements = reservation.Placements.DistinctBy(p => p.NodeName).ToList();
            await Log(d, "info", $"Reserved {ResponseMapping.DesiredInstances(d)} instance(s) on {string.Join(", ", reservation.Placements.Select(p => p.NodeName))} ({reservationId})", ct);

            IReadOnlyList<TensorResponse> tensorsIn = JsonText.Read<List<TensorResponse>>(d.InputsJson);
            IReadOnlyList<TensorResponse> tensorsOut = JsonText.Read<List<TensorResponse>>(d.OutputsJson);
            var before = JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson);
            var replicas = new List<ReplicaResponse>();
            foreach (var placement in placements)
            {
                var node = new InferenceNodeClient(GrpcChannels.ForAddress(placement.GrpcAddress), credential.AuthorizationHeader);
                var response = await Step(d, $"load on {placement.NodeName}", () => node.LoadModelAsync(
                    LoadRequest(d, nodeModelName, package.ModelPath, model.Id, ServedGpus(d),
                        script is null ? null : script with { Workers = reservation.Placements.Count(p => p.NodeName == placement.NodeName) }), NodeCall(ct)));
                loaded.Add(placement);
                await Log(d, "info", $"Loaded as {nodeModelName} on {placement.NodeName}", ct);
                if (script is null) await WarmUpAsync(d, placement, nodeModelName, tensorsIn, ct);
                var runtime = response.Model?.Runtime is { } r
                    ? new RuntimeResponse(r.Name, r.Version, r.ExecutionProvider, string.IsNullOrEmpty(r.FallbackReason) ? before.FirstOrDefault()?.Runtime?.FallbackReason : r.FallbackReason)
                    : null;
                replicas.Add(new ReplicaResponse(placement.NodeName, placement.HttpAddress, placement.GrpcAddress, runtime,
                    reservation.Placements.Count(p => p.NodeName == placement.NodeName)));
            }

            var previous = await SwitchAsync(d, d.Generation, nodeModelName, reservationId, model.Id, replicas, tensorsIn, tensorsOut, package, ct);
            if (previous is null)
            {
                await Log(d, "info", "The deployment changed while it was being repaired; undoing the repair", ct);
                await UndoAsync(d, loaded, nodeModelName, reservationId, ct);
                return true;
            }
            await Log(d, "info", $"Repaired: {model.Id} serves as {nodeModelName} on {string.Join(", ", replicas.Select(r => r.NodeName))} after {stopwatch.Elapsed.TotalSeconds:0.0}s", ct);
            await RetireAsync(d, previous, reservationId, model.Id, onKubernetes: false, ct);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is RolloutFailure or RpcException)
        {
            var reason = ex is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : ex.Message;
            await Log(d, "error", $"Repair by placing anew failed: {reason}", ct);
            await UndoAsync(d, loaded, nodeModelName, reservation is null ? null : reservationId, ct);
            return false;
        }
    }

    /// <summary>The GPUs the replicas were loaded with: none where the rollout fell back to CPU.</summary>
    private static int ServedGpus(DeploymentEntity d) =>
        d.Gpus > 0 && JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson).Any(r => r.Runtime?.FallbackReason is { Length: > 0 }) ? 0 : d.Gpus;

    /// <summary>The model version serving now (pinned already) and its package, from the cache (built again if it went missing).</summary>
    private async Task<(ModelVersion Model, PackageResult Package, ScriptLoad? Script)> ResolveForRepairAsync(DeploymentEntity d, CancellationToken ct)
    {
        var modelId = d.ServingModel ?? d.Model;
        if (!ModelReference.TryParse(modelId, out var reference)) throw new RolloutFailure(DeploymentStates.Failed, $"'{modelId}' is not a model reference");
        await using var scope = scopes.CreateAsyncScope();
        var registry = Client<RegistryClient>(scope, "registry");
        var model = await Step(d, "resolve model", () => registry.AcquireModelUseAsync(reference.Name, reference.Version, ModelUser(d), ct));
        if (ResponseMapping.ScriptOf(d) is { } script)
        {
            var environment = await WaitForEnvironmentAsync(d, script, registry, ct);
            ModelReference.TryParse(script.CodeModel, out var codeReference);
            var code = await Step(d, "resolve code", () => registry.ResolveModelAsync(codeReference.Name, codeReference.Version, ct));
            var scriptPackage = await Step(d, "package", () => packages.GetOrBuildScriptAsync(model, code, environment, script.EntryScript, false, registry, ct));
            return (model, scriptPackage, new ScriptLoad(script, environment, scriptPackage, ResponseMapping.DesiredInstances(d)));
        }
        var inputs = packages.KeyInputs(model, d.MaxBatchSize, d.MaxQueueDelayMicroseconds, d.Gpus);
        var package = await Step(d, "package", () => packages.GetOrBuildAsync(model, inputs, false, registry, ct));
        return (model, package, null);
    }
}
