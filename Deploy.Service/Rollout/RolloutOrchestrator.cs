using System.Diagnostics;
using System.Net.Http.Json;
using Contracts.Clients;
using Contracts.Compute.V1;
using Contracts.Node.V1;
using Contracts.Registry.V1;
using Deploy.Service.Apis;
using Deploy.Service.Control;
using Deploy.Service.Domain;
using Deploy.Service.Infrastructure;
using Deploy.Service.Kubernetes;
using Deploy.Service.Reconcile;
using Deploy.Service.Routing;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Deploy.Service.Rollout;

/// <summary>
/// Brings a deployment to its latest generation: resolve the model (Registry), get the package (cache), reserve
/// capacity (Compute), load it on the placed nodes under a new node-local name, warm every replica up, then switch
/// routing to the new replicas in one step and only afterwards unload the old ones. A failure at any step undoes
/// what the step made and leaves routing as it was, so a deployment is never half-routed and an update never drops
/// requests (the old replicas serve until the switch, and a drain period after it).
/// </summary>
public sealed partial class RolloutOrchestrator(
    IServiceScopeFactory scopes,
    PackageCache packages,
    DeploymentLog log,
    IHttpClientFactory httpClients,
    KubernetesRollout kubernetes,
    RepairQueue repairs,
    Autoscale.Autoscaler autoscaler,
    PlatformCredential credential,
    IOptions<DeployOptions> options,
    ILogger<RolloutOrchestrator> logger)
{
    public const string NodeHttpClient = "inference-nodes";

    public async Task RunAsync(Guid deploymentId, CancellationToken cancellationToken)
    {
        DeploymentEntity? deployment;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
            deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deploymentId, cancellationToken);
        }
        if (deployment is null || deployment.State == DeploymentStates.Deleting || deployment.Generation != deployment.RolledOutGeneration)
        {
            repairs.Forget(deploymentId);
            autoscaler.Forget(deploymentId);
        }
        if (deployment is null) return;
        if (deployment.State == DeploymentStates.Deleting) await TearDownAsync(deployment, cancellationToken);
        else if (deployment.Generation != deployment.RolledOutGeneration) await RollOutAsync(deployment, cancellationToken);
        else
        {
            // A repair first (it may place every instance anew, at the desired count); then a scale that is still due.
            if (repairs.Take(deploymentId) is { } repair) await RepairAsync(deployment, repair, cancellationToken);
            if (autoscaler.Take(deploymentId)) await ScaleAsync(deploymentId, cancellationToken);
        }
    }

    private sealed class RolloutFailure(string state, string message) : Exception(message)
    {
        public string State { get; } = state;
    }

    private async Task RollOutAsync(DeploymentEntity d, CancellationToken ct)
    {
        var generation = d.Generation;
        var nodeModelName = $"{d.EndpointName}.{d.Name}.g{generation}";
        var reservationId = $"{d.EndpointName}/{d.Name}/g{generation}";
        var modelUser = ModelUser(d);
        var loaded = new List<Placement>();
        ReserveResponse? reservation = null;
        ModelVersion? model = null;
        ClusterConnection? applied = null;
        var stopwatch = Stopwatch.StartNew();
        await Log(d, "info", $"Rollout of generation {generation} started ({(d.NodeModelName is null ? "create" : $"update; {d.ServingModel} keeps serving")})", ct);

        await using var scope = scopes.CreateAsyncScope();
        try
        {
            if (!ModelReference.TryParse(d.Model, out var reference)) throw new RolloutFailure(DeploymentStates.Failed, $"'{d.Model}' is not a model reference");
            var registry = Client<RegistryClient>(scope, "registry");
            var compute = Client<ComputeClient>(scope, "compute");

            // 1. Resolve and pin the model version so it cannot be deleted while deployed.
            model = await Step(d, "resolve model", () => registry.AcquireModelUseAsync(reference.Name, reference.Version, modelUser, ct));
            var script = ResponseMapping.ScriptOf(d);
            if (script is null && (string.IsNullOrEmpty(model.ModelFile) || model.Onnx is null))
                throw new RolloutFailure(DeploymentStates.Failed, $"{model.Id} is not an ONNX model (framework '{model.Framework}'), which the inference nodes " +
                    "cannot serve directly; give the deployment an environment, codeModel and entryScript to serve it through a scoring script");
            await Log(d, "info", $"Resolved {d.Model} to {model.Id}: {model.Files.Count} file(s)" +
                (script is null ? $", model file {model.ModelFile}" : $", served by {script.EntryScript} of {script.CodeModel} in environment {script.Environment}"), ct);

            // 2. The package (the image): reuse it when one with the same key exists, else build it.
            PackageKeyInputs? inputs = null;
            PackageResult package;
            EnvironmentVersion? environment = null;
            if (script is not null)
            {
                environment = await WaitForEnvironmentAsync(d, script, registry, ct);
                ModelReference.TryParse(script.CodeModel, out var codeReference);
                var code = await Step(d, "resolve code", () => registry.ResolveModelAsync(codeReference.Name, codeReference.Version, ct));
                package = await Step(d, "package", () => packages.GetOrBuildScriptAsync(model, code, environment, script.EntryScript, d.ForceRebuild, registry, ct));
            }
            else
            {
                inputs = packages.KeyInputs(model, d.MaxBatchSize, d.MaxQueueDelayMicroseconds, d.Gpus);
                package = await Step(d, "package", () => packages.GetOrBuildAsync(model, inputs, d.ForceRebuild, registry, ct));
            }
            await Log(d, "info", package.Source switch
            {
                "workspace" => $"Package {package.Key[..12]}: cache hit in the workspace cache",
                "shared" => $"Package {package.Key[..12]}: cache hit in a shared cache, linked into the workspace",
                _ => $"Package {package.Key[..12]}: cache miss{(d.ForceRebuild ? " (forceRebuild)" : "")}, built",
            } + $"; hashed: {string.Join(", ", package.HashInputs)}", ct);
            await Transition(d, generation, DeploymentStates.Creating, package, ct);

            // 3. Capacity, per generation: an update holds old and new replicas for as long as the switch takes.
            var gpus = d.Gpus;
            string? cpuFallbackReason = null;
            ReserveRequest Reservation(int withGpus) => new()
            {
                ReservationId = reservationId, Compute = d.Compute, Instances = ResponseMapping.DesiredInstances(d),
                CpuCores = d.CpuCores, MemoryGb = d.MemoryGb, Gpus = withGpus,
            };
            if (gpus > 0 && d.AllowCpuFallback)
            {
                try
                {
                    reservation = await compute.ReserveAsync(Reservation(gpus), ct);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.FailedPrecondition)
                {
                    // Asked for GPUs, none to be had, CPU allowed: serve on CPU and say why, as ORT's own fallback does.
                    cpuFallbackReason = $"no GPU could be reserved on compute '{d.Compute}' ({ex.Status.Detail})";
                    await Log(d, "warn", $"{cpuFallbackReason}; allowCpuFallback is set, so the deployment serves on CPU", ct);
                    gpus = 0;
                }
            }
            reservation ??= await Step(d, "reserve capacity", () => compute.ReserveAsync(Reservation(gpus), ct));
            if (reservation.Placements.Count == 0)
            {
                // Kubernetes schedules there: Compute only counted the quota.
                var target = await Step(d, "read compute", () => compute.GetComputeAsync(d.Compute, ct));
                if (target.Type != "kubernetes") throw new RolloutFailure(DeploymentStates.Failed, $"compute '{d.Compute}' placed no replicas");
                if (script is not null)
                    throw new RolloutFailure(DeploymentStates.Failed, "scoring scripts run on local computes only (the inference image has no Python environments yet)");
                await Log(d, "info", $"Reserved quota for {d.InstanceCount} instance(s) on kubernetes compute '{d.Compute}' ({reservationId}); Kubernetes places them", ct);
                await Transition(d, generation, DeploymentStates.Transitioning, null, ct);
                var credentials = await Step(d, "read kubernetes credentials", () => compute.GetKubernetesCredentialsAsync(d.Compute, ct));
                if (!Uri.TryCreate(credentials.ApiServer, UriKind.Absolute, out var apiServer))
                    throw new RolloutFailure(DeploymentStates.Failed, $"compute '{d.Compute}' has no valid API server address");
                var connection = new ClusterConnection(apiServer, credentials.Namespace, credentials.Token);
                await RollOutOnKubernetesAsync(d, generation, reservationId, model, package, connection, () => applied = connection, stopwatch, ct);
                return;
            }
            // Several instances on one node share one loaded session (the node batches for them): load once per node.
            var placements = reservation.Placements.DistinctBy(p => p.NodeName).ToList();
            await Log(d, "info", $"Reserved {ResponseMapping.DesiredInstances(d)} instance(s) on {string.Join(", ", reservation.Placements.Select(p => p.NodeName))} ({reservationId})", ct);
            await Transition(d, generation, DeploymentStates.Transitioning, null, ct);

            // 4. Load and warm up, one replica at a time.
            IReadOnlyList<TensorResponse> tensorsIn = model.Onnx?.Inputs.Select(ToTensor).ToList() ?? [];
            IReadOnlyList<TensorResponse> tensorsOut = model.Onnx?.Outputs.Select(ToTensor).ToList() ?? [];
            var runtimes = new Dictionary<string, RuntimeResponse>(StringComparer.Ordinal);
            string? scriptSchema = null;
            foreach (var placement in placements)
            {
                var node = new InferenceNodeClient(GrpcChannels.ForAddress(placement.GrpcAddress), credential.AuthorizationHeader);
                var scriptLoad = script is null ? null : new ScriptLoad(script, environment!, package, reservation.Placements.Count(p => p.NodeName == placement.NodeName));
                var response = await Step(d, $"load on {placement.NodeName}", () => node.LoadModelAsync(
                    LoadRequest(d, nodeModelName, package.ModelPath, model.Id, gpus, scriptLoad), NodeCall(ct)));
                loaded.Add(placement);
                var status = response.Model;
                await Log(d, "info", $"Loaded as {nodeModelName} on {placement.NodeName} (provider {status?.Provider ?? "?"})" +
                    (string.IsNullOrEmpty(status?.Error) ? "" : $"; node says: {status.Error}"), ct);
                if (status?.Runtime is { } runtime)
                {
                    runtimes[placement.NodeName] = new RuntimeResponse(runtime.Name, runtime.Version, runtime.ExecutionProvider,
                        string.IsNullOrEmpty(runtime.FallbackReason) ? cpuFallbackReason : runtime.FallbackReason);
                    if (inputs is not null && "onnxruntime-" + runtime.Version != inputs.RuntimeVersion)
                        await Log(d, "warn", $"{placement.NodeName} runs ONNX Runtime {runtime.Version}; the package was keyed for {inputs.RuntimeVersion}", ct);
                }
                // The node's own view of the signature is what it will validate requests against.
                if (status is { Inputs.Count: > 0 }) tensorsIn = status.Inputs.Select(ToTensor).ToList();
                if (status is { Outputs.Count: > 0 }) tensorsOut = status.Outputs.Select(ToTensor).ToList();
                if (status?.Script is { SchemaJson.Length: > 0 } described) scriptSchema = described.SchemaJson;
                // A script's valid input is its own business: init() having run is its warm-up.
                if (script is null) await WarmUpAsync(d, placement, nodeModelName, tensorsIn, ct);
            }

            // 5. Switch routing in one step, unless the deployment changed or went away meanwhile.
            var replicas = placements.Select(p => new ReplicaResponse(p.NodeName, p.HttpAddress, p.GrpcAddress, runtimes.GetValueOrDefault(p.NodeName),
                reservation.Placements.Count(x => x.NodeName == p.NodeName))).ToList();
            var previous = await SwitchAsync(d, generation, nodeModelName, reservationId, model.Id, replicas, tensorsIn, tensorsOut, package, ct, scriptSchema);
            if (previous is null)
            {
                await Log(d, "info", $"Generation {generation} was superseded before it went live; undoing it", ct);
                await UndoAsync(d, loaded, nodeModelName, reservationId, ct);
                if (model.Id != d.ServingModel) await ReleaseModelIfUnusedAsync(d, model.Id, ct);
                return;
            }
            await Log(d, "info", $"Healthy: {model.Id} serves as {nodeModelName} on {replicas.Count} node(s) after {stopwatch.Elapsed.TotalSeconds:0.0}s", ct);

            // 6. Retire what served before, after gateways have had time to pick up the new routing.
            await RetireAsync(d, previous, reservationId, model.Id, onKubernetes: false, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var (state, reason) = ex is RolloutFailure f ? (f.State, f.Message) : (DeploymentStates.Failed, ex.Message);
            await Log(d, "error", $"Rollout of generation {generation} failed: {reason}", ct);
            await UndoAsync(d, loaded, nodeModelName, reservation is null ? null : reservationId, ct);
            // A first rollout leaves nothing behind on the cluster; an update leaves the objects to Kubernetes, whose
            // rolling update keeps the old pods serving while the new ones are not ready.
            if (applied is not null && d.NodeModelName is null) await DeleteKubernetesObjectsAsync(d, applied, ct);
            if (model is not null && model.Id != d.ServingModel) await ReleaseModelIfUnusedAsync(d, model.Id, ct);
            await FailAsync(d, generation, state, reason, ct);
        }
    }

    /// <summary>
    /// The rollout on a kubernetes compute: render the Deployment, Service and autoscaler, apply them, wait for the
    /// Deployment's replicas to be ready, then route to the Service. The served model name stays the same across
    /// generations (Kubernetes mixes old and new pods behind one Service during its rolling update).
    /// </summary>
    private async Task RollOutOnKubernetesAsync(DeploymentEntity d, int generation, string reservationId, ModelVersion model,
        PackageResult package, ClusterConnection connection, Action applying, Stopwatch stopwatch, CancellationToken ct)
    {
        var servedName = KubernetesModelName(d);
        // With scale, the HorizontalPodAutoscaler gets its bounds (instanceCount is the Deployment's start); without, min = max.
        var scale = ResponseMapping.ScaleOf(d);
        string modelUrl;
        try { modelUrl = kubernetes.ModelUrl(model); }
        catch (InvalidOperationException ex) { throw new RolloutFailure(DeploymentStates.Failed, ex.Message); }
        var objects = KubernetesManifests.Render(new KubernetesWorkload(
            d.EndpointName, d.Name, connection.Namespace, servedName, model.Id, package.Key, modelUrl,
            model.Files.FirstOrDefault(f => f.Path == model.ModelFile)?.Sha256 ?? "",
            d.InstanceCount, scale?.MaxInstances ?? d.InstanceCount, d.CpuCores, d.MemoryGb, d.Gpus, d.MaxBatchSize, d.MaxQueueDelayMicroseconds,
            scale?.MinInstances), kubernetes.Settings);

        await Log(d, "info", $"Applying Deployment, Service and HorizontalPodAutoscaler {objects.Name} ({kubernetes.Settings.Image}, {objects.Replicas} replica(s)) to {connection}", ct);
        applying();
        await KubernetesStep("apply", async () => { await kubernetes.ApplyAsync(connection, objects, ct); return true; });
        await Log(d, "info", $"Applied {objects.Name}; waiting up to {options.Value.KubernetesRolloutTimeoutSeconds:0.#} s for {objects.Replicas} ready replica(s)", ct);
        var status = await KubernetesStep("wait for ready replicas", () => kubernetes.WaitUntilReadyAsync(connection, objects, ct));
        await Log(d, "info", $"Deployment {objects.Name}: {status.ReadyReplicas} of {objects.Replicas} replica(s) ready (generation {status.ObservedGeneration})", ct);

        IReadOnlyList<TensorResponse> inputs = model.Onnx.Inputs.Select(ToTensor).ToList();
        IReadOnlyList<TensorResponse> outputs = model.Onnx.Outputs.Select(ToTensor).ToList();
        var replicas = new List<ReplicaResponse> { KubernetesManifests.Replica(d.Compute, objects, kubernetes.Settings) };
        var previous = await SwitchAsync(d, generation, servedName, reservationId, model.Id, replicas, inputs, outputs, package, ct);
        if (previous is null)
        {
            // A newer generation applies its own objects over these; only this generation's quota goes.
            await Log(d, "info", $"Generation {generation} was superseded before it went live; the next rollout re-applies {objects.Name}", ct);
            await UndoAsync(d, [], servedName, reservationId, ct);
            if (model.Id != d.ServingModel) await ReleaseModelIfUnusedAsync(d, model.Id, ct);
            return;
        }
        await Log(d, "info", $"Healthy: {model.Id} serves as {servedName} behind {replicas[0].HttpAddress} after {stopwatch.Elapsed.TotalSeconds:0.0}s", ct);
        await RetireAsync(d, previous, reservationId, model.Id, onKubernetes: true, ct);

        async Task<T> KubernetesStep<T>(string step, Func<Task<T>> action)
        {
            try
            {
                return await action();
            }
            catch (KubernetesApiException ex)
            {
                throw new RolloutFailure(DeploymentStates.Failed, $"kubernetes {step}: {ex.Message}");
            }
            catch (KubernetesRolloutTimeoutException ex)
            {
                throw new RolloutFailure(DeploymentStates.Unhealthy, ex.Message);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw new RolloutFailure(DeploymentStates.Failed, $"kubernetes {step}: the API server at {connection.ApiServer} could not be reached: {ex.Message}");
            }
        }
    }

    /// <summary>The model name the pods of a kubernetes deployment serve (and the readiness probe asks for).</summary>
    public static string KubernetesModelName(DeploymentEntity d) => $"{d.EndpointName}.{d.Name}";

    /// <summary>After a switch: drain and unload what served before (on our nodes), release its capacity and model pin.</summary>
    private async Task RetireAsync(DeploymentEntity d, DeploymentEntity previous, string reservationId, string modelId, bool onKubernetes, CancellationToken ct)
    {
        if (previous.NodeModelName is null) return;
        await using var scope = scopes.CreateAsyncScope();
        var oldReplicas = JsonText.Read<List<ReplicaResponse>>(previous.ReplicasJson);
        // Moved off a cluster: its objects go (on a cluster, the re-applied objects are the new replicas themselves).
        if (!onKubernetes && oldReplicas.Any(KubernetesManifests.IsKubernetesReplica))
            await TearDownKubernetesAsync(d, previous.ReplicasJson, scope, ct);
        if (oldReplicas.Any(r => !KubernetesManifests.IsKubernetesReplica(r)))
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.DrainSeconds), ct);
            await UnloadAsync(d, oldReplicas, previous.NodeModelName, ct);
        }
        if (previous.ReservationId is not null && previous.ReservationId != reservationId)
            await Safely(d, $"release {previous.ReservationId}", () => Client<ComputeClient>(scope, "compute").ReleaseAsync(previous.ReservationId, ct));
        if (previous.ServingModel is not null && previous.ServingModel != modelId)
            await ReleaseModelIfUnusedAsync(d, previous.ServingModel, ct);
        await Log(d, "info", $"Retired {previous.NodeModelName} ({previous.ServingModel})", ct);
    }

    private async Task DeleteKubernetesObjectsAsync(DeploymentEntity d, ClusterConnection connection, CancellationToken ct)
    {
        var name = KubernetesManifests.NameFor(d.EndpointName, d.Name);
        try
        {
            var deleted = await kubernetes.DeleteAsync(connection, name, ct);
            await Log(d, "info", $"Deleted {deleted} kubernetes object(s) named {name} from namespace {connection.Namespace}", ct);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            await Log(d, "warn", $"Could not delete the kubernetes objects {name}: {ex.Message}", ct);
        }
    }

    /// <summary>The kubernetes objects of a deployment on a kubernetes compute go with it (a compute detached meanwhile: logged).</summary>
    private async Task TearDownKubernetesAsync(DeploymentEntity d, string replicasJson, AsyncServiceScope scope, CancellationToken ct)
    {
        // The compute the replicas were routed on (the deployment may name another one by now), else the requested one.
        var servedOn = JsonText.Read<List<ReplicaResponse>>(replicasJson).Select(KubernetesManifests.ComputeOf).FirstOrDefault(c => c is not null);
        var onKubernetes = servedOn is not null;
        var computeName = servedOn ?? d.Compute;
        try
        {
            var compute = Client<ComputeClient>(scope, "compute");
            if (!onKubernetes && (await compute.GetComputeAsync(computeName, ct)).Type != "kubernetes") return;
            var credentials = await compute.GetKubernetesCredentialsAsync(computeName, ct);
            await DeleteKubernetesObjectsAsync(d, new ClusterConnection(new Uri(credentials.ApiServer), credentials.Namespace, credentials.Token), ct);
        }
        catch (Exception ex) when (ex is RpcException or RolloutFailure or UriFormatException)
        {
            if (onKubernetes) await Log(d, "warn", $"Could not delete the kubernetes objects of this deployment: {ex.Message}", ct);
        }
    }

    /// <summary>Deletes a deployment for good: unload, release capacity and the model pin, remove its rows.</summary>
    private async Task TearDownAsync(DeploymentEntity d, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (d.NodeModelName is not null) await UnloadAsync(d, JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson), d.NodeModelName, ct);
        await TearDownKubernetesAsync(d, d.ReplicasJson, scope, ct);
        if (d.ReservationId is not null)
            await Safely(d, $"release {d.ReservationId}", () => Client<ComputeClient>(scope, "compute").ReleaseAsync(d.ReservationId, ct));
        await Safely(d, "release model pins", () => Client<RegistryClient>(scope, "registry").ReleaseModelUseAsync(ModelUser(d), ct: ct));

        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        await db.DeploymentLogs.Where(l => l.EndpointName == d.EndpointName && l.DeploymentName == d.Name).ExecuteDeleteAsync(ct);
        await db.Deployments.Where(x => x.Id == d.Id && x.State == DeploymentStates.Deleting).ExecuteDeleteAsync(ct);
        logger.LogInformation("Deployment {Endpoint}/{Deployment} deleted", d.EndpointName, d.Name);
        await RemoveEndpointIfEmptyAsync(db, d.EndpointName, ct);
    }

    /// <summary>An endpoint being deleted disappears once its last deployment is gone.</summary>
    public static async Task RemoveEndpointIfEmptyAsync(DeployDbContext db, string endpoint, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"""
            DELETE FROM endpoints e WHERE e."Name" = {endpoint} AND e."ProvisioningState" = 'Deleting'
              AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d."EndpointName" = e."Name")
            """, ct);
    }

    private async Task WarmUpAsync(DeploymentEntity d, Placement placement, string nodeModelName, IReadOnlyList<TensorResponse> inputs, CancellationToken ct)
    {
        var request = WarmupRequest.Build(inputs, out var whyNot);
        if (request is null)
        {
            await Log(d, "warn", $"Warm-up skipped on {placement.NodeName}: {whyNot}", ct);
            return;
        }
        var http = httpClients.CreateClient(NodeHttpClient);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.NodeCallTimeoutSeconds));
            response = await http.PostAsJsonAsync(new Uri(new Uri(placement.HttpAddress), $"/v2/models/{nodeModelName}/infer"), request, timeout.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            throw new RolloutFailure(DeploymentStates.Unhealthy, $"warm-up on {placement.NodeName} did not answer: {ex.Message}");
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new RolloutFailure(DeploymentStates.Unhealthy,
                $"warm-up on {placement.NodeName} answered {(int)response.StatusCode}: {Truncate(body, 500)}");
        await Log(d, "info", $"Warm-up on {placement.NodeName}: 200 in {elapsed.TotalMilliseconds:0.0} ms ({body.Length} bytes)", ct);
    }

    private async Task Transition(DeploymentEntity d, int generation, string state, PackageResult? package, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        // Only the visible state of a first rollout moves; a serving deployment stays Transitioning until the switch.
        var target = d.NodeModelName is null ? state : DeploymentStates.Transitioning;
        var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
        var changed = await db.InTransactionAsync(async tx =>
        {
            var rows = await db.Deployments
                .Where(x => x.Id == d.Id && x.Generation == generation && x.State != DeploymentStates.Deleting && x.State != target)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, target), tx);
            if (package is not null)
                await db.Deployments.Where(x => x.Id == d.Id && x.Generation == generation).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.PackageKey, package.Key).SetProperty(x => x.PackageSource, package.Source)
                    .SetProperty(x => x.PackagePath, package.Directory)
                    .SetProperty(x => x.PackageInputsJson, JsonText.Write(package.HashInputs)), tx);
            if (rows > 0)
            {
                events.StateChanged(d.EndpointName, d.Name, target, null);
                await db.SaveChangesAsync(tx);
            }
            return rows;
        }, ct);
        if (changed > 0) events.Committed();
    }

    /// <summary>Makes the new replicas the routed ones; returns what served before, or null when this generation is stale.</summary>
    private async Task<DeploymentEntity?> SwitchAsync(DeploymentEntity d, int generation, string nodeModelName, string reservationId, string modelId,
        List<ReplicaResponse> replicas, IReadOnlyList<TensorResponse> inputs, IReadOnlyList<TensorResponse> outputs, PackageResult package, CancellationToken ct,
        string? scriptSchema = null)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
        var previous = await db.InTransactionAsync(async tx =>
        {
            await db.LockEndpointAsync(d.EndpointName, tx);
            var current = await db.Deployments.SingleOrDefaultAsync(x => x.Id == d.Id, tx);
            if (current is null || current.Generation != generation || current.State == DeploymentStates.Deleting) return null;
            var before = new DeploymentEntity
            {
                EndpointName = current.EndpointName, Name = current.Name, Model = current.Model, Compute = current.Compute,
                NodeModelName = current.NodeModelName, ReplicasJson = current.ReplicasJson, ReservationId = current.ReservationId,
                ServingModel = current.ServingModel,
            };
            current.State = DeploymentStates.Healthy;
            current.Error = null;
            current.RolledOutGeneration = generation;
            current.ServingModel = modelId;
            current.NodeModelName = nodeModelName;
            current.ReplicasJson = JsonText.Write(replicas);
            current.UnreadyReplicasJson = "[]";
            current.InputsJson = JsonText.Write(inputs);
            current.OutputsJson = JsonText.Write(outputs);
            current.ScriptSchemaJson = scriptSchema;
            current.ReservationId = reservationId;
            current.PackageKey = package.Key;
            current.PackageSource = package.Source;
            current.PackagePath = package.Directory;
            current.PackageInputsJson = JsonText.Write(package.HashInputs);
            current.ForceRebuild = false;
            current.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(tx);
            events.StateChanged(d.EndpointName, d.Name, DeploymentStates.Healthy, null);
            await events.RoutingChangedAsync(d.EndpointName, tx);
            return before;
        }, ct);
        if (previous is not null) events.Committed();
        return previous;
    }

    private async Task FailAsync(DeploymentEntity d, int generation, string state, string reason, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var events = scope.ServiceProvider.GetRequiredService<RoutingEvents>();
        var version = await db.InTransactionAsync(async tx =>
        {
            await db.LockEndpointAsync(d.EndpointName, tx);
            var current = await db.Deployments.SingleOrDefaultAsync(x => x.Id == d.Id, tx);
            if (current is null || current.Generation != generation || current.State == DeploymentStates.Deleting) return 0L;
            current.State = state;
            current.Error = current.NodeModelName is null ? reason : $"{reason} ({current.ServingModel} keeps serving)";
            current.RolledOutGeneration = generation;
            current.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(tx);
            events.StateChanged(d.EndpointName, d.Name, state, reason);
            return await events.RoutingChangedAsync(d.EndpointName, tx);
        }, ct);
        if (version > 0) events.Committed();
    }

    private async Task UndoAsync(DeploymentEntity d, List<Placement> loaded, string nodeModelName, string? reservationId, CancellationToken ct)
    {
        await UnloadAsync(d, loaded.Select(p => new ReplicaResponse(p.NodeName, p.HttpAddress, p.GrpcAddress)).ToList(), nodeModelName, ct);
        if (reservationId is null) return;
        await using var scope = scopes.CreateAsyncScope();
        await Safely(d, $"release {reservationId}", () => Client<ComputeClient>(scope, "compute").ReleaseAsync(reservationId, ct));
    }

    private async Task UnloadAsync(DeploymentEntity d, IReadOnlyList<ReplicaResponse> replicas, string nodeModelName, CancellationToken ct)
    {
        // Pods behind a kubernetes Service are not ours to unload: Kubernetes replaces or deletes them.
        foreach (var replica in replicas.Where(r => !KubernetesManifests.IsKubernetesReplica(r)))
        {
            var node = new InferenceNodeClient(GrpcChannels.ForAddress(replica.GrpcAddress), credential.AuthorizationHeader);
            try
            {
                // Unloading is quick on a live node; a lost one must not hold the deployment's worker for a load's timeout.
                await node.UnloadModelAsync(nodeModelName, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(Math.Min(options.Value.NodeCallTimeoutSeconds, 10)), cancellationToken: ct));
                await Log(d, "info", $"Unloaded {nodeModelName} from {replica.NodeName}", ct);
            }
            catch (RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.NotFound)
            {
                // Already gone (the node restarted): nothing to do.
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                await Log(d, "warn", $"Unloading {nodeModelName} from {replica.NodeName} failed: {ex.Message}", ct);
            }
        }
    }

    /// <summary>Unpins a model version unless the deployment's current request still names it.</summary>
    private async Task ReleaseModelIfUnusedAsync(DeploymentEntity d, string modelId, CancellationToken ct)
    {
        if (!ModelReference.TryParse(modelId, out var reference)) return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeployDbContext>();
        var current = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == d.Id, ct);
        if (current is not null && (current.ServingModel == modelId || current.Model == modelId)) return;
        await Safely(d, $"release model pin {modelId}",
            () => Client<RegistryClient>(scope, "registry").ReleaseModelUseAsync(ModelUser(d), reference.Name, reference.Version, ct));
    }

    /// <summary>
    /// The environment of a scoring-script deployment, once the registry has built it (once per content hash: a build
    /// another deployment already waited for is reused, which the log says). A failed build fails the rollout with the
    /// registry's reason, which names the package.
    /// </summary>
    private async Task<EnvironmentVersion> WaitForEnvironmentAsync(DeploymentEntity d, ScoringScript script, RegistryClient registry, CancellationToken ct)
    {
        ModelReference.TryParse(script.Environment, out var reference);
        var waited = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            var environment = await Step(d, "resolve environment", () => registry.ResolveEnvironmentAsync(reference.Name, reference.Version, ct));
            switch (environment.BuildState)
            {
                case "Succeeded":
                    await Log(d, "info", announced
                        ? $"Environment {environment.Id} (hash {environment.Hash[..12]}) built after {waited.Elapsed.TotalSeconds:0.0}s; Python {environment.Python}"
                        : $"Environment {environment.Id} (hash {environment.Hash[..12]}): build reused{(environment.BuildReused ? " from the environment cache" : "")}, already built; Python {environment.Python}", ct);
                    return environment;
                case "Failed":
                    throw new RolloutFailure(DeploymentStates.Failed, $"environment {environment.Id} failed to build: {environment.BuildError}");
            }
            if (!announced)
            {
                await Log(d, "info", $"Environment {environment.Id} (hash {environment.Hash[..12]}) is {environment.BuildState.ToLowerInvariant()}; waiting for its build", ct);
                announced = true;
            }
            if (waited.Elapsed.TotalSeconds > options.Value.EnvironmentBuildWaitSeconds)
                throw new RolloutFailure(DeploymentStates.Failed, $"environment {environment.Id} was not built within {options.Value.EnvironmentBuildWaitSeconds:0} s");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private async Task<T> Step<T>(DeploymentEntity d, string step, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (RpcException ex)
        {
            throw new RolloutFailure(DeploymentStates.Failed, $"{step}: {ex.StatusCode} {ex.Status.Detail}");
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException or HttpRequestException)
        {
            throw new RolloutFailure(DeploymentStates.Failed, $"{step}: {ex.Message}");
        }
    }

    private async Task Safely<T>(DeploymentEntity d, string what, Func<Task<T>> action)
    {
        // Clean-up steps: a failure is logged and the rest goes on (a leaked pin or reservation is visible in the log).
        try { await action(); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Log(d, "warn", $"Could not {what}: {ex.Message}", CancellationToken.None);
        }
    }

    private static T Client<T>(AsyncServiceScope scope, string service) where T : notnull
    {
        try
        {
            return scope.ServiceProvider.GetRequiredService<T>();
        }
        catch (InvalidOperationException ex)
        {
            throw new RolloutFailure(DeploymentStates.Failed, $"{service} is not reachable: {ex.Message}");
        }
    }

    private CallOptions NodeCall(CancellationToken ct) => new(deadline: DateTime.UtcNow.AddSeconds(options.Value.NodeCallTimeoutSeconds), cancellationToken: ct);

    private Task Log(DeploymentEntity d, string level, string message, CancellationToken ct) => log.WriteAsync(d.EndpointName, d.Name, level, message, ct);

    /// <summary>What a node is asked to load for a deployment (the rollout's and the repair's load are the same).</summary>
    /// <summary>What a scoring-script deployment's node needs: its environment's Python, the packaged code, how many workers.</summary>
    private sealed record ScriptLoad(ScoringScript Script, EnvironmentVersion Environment, PackageResult Package, int Workers);

    /// <summary>The one load request of a deployment, for a rollout and for a repair alike.</summary>
    private static LoadModelRequest LoadRequest(DeploymentEntity d, string nodeModelName, string modelPath, string modelId, int gpus, ScriptLoad? script)
    {
        var gpuOptions = ResponseMapping.GpuOptionsOf(d);
        return new LoadModelRequest
        {
            // A scoring script: one worker process per instance placed on this node, numeric threads per cores.
            Script = script is null ? null : new ScriptSettings
            {
                Python = script.Environment.PythonPath,
                CodeDir = Path.Combine(script.Package.Directory, "code"),
                EntryScript = script.Script.EntryScript,
                ModelDir = script.Package.ModelPath,
                Workers = Math.Max(1, script.Workers),
                Threads = Math.Max(1, (int)Math.Floor(d.CpuCores)),
                // memoryGb is per instance, and each instance is one worker: the node holds each worker to it.
                MemoryLimitBytes = (long)(d.MemoryGb * (1L << 30)),
            },
            ModelName = nodeModelName,
            Location = modelPath,
            ModelVersion = modelId,
            Settings = new ModelSettings
            {
                IntraOpThreads = Math.Max(1, (int)Math.Floor(d.CpuCores)),
                MaxBatchSize = d.MaxBatchSize,
                MaxQueueDelayUs = d.MaxQueueDelayMicroseconds,
                Gpus = gpus,
                AllowCpuFallback = d.AllowCpuFallback,
                ExecutionProvider = gpuOptions?.ExecutionProvider ?? "",
                CudaArenaExtendStrategy = gpuOptions?.ArenaExtendStrategy ?? "",
                CudaGpuMemLimitBytes = gpuOptions?.MemoryLimitBytes ?? 0,
                CudaCopyInSeparateStream = gpuOptions?.CopyInSeparateStream ?? false,
            },
        };
    }

    private static string ModelUser(DeploymentEntity d) => $"deployment:{d.EndpointName}/{d.Name}";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static TensorResponse ToTensor(Contracts.Registry.V1.TensorInfo t) =>
        new(t.Name, t.Datatype, t.Shape.Select(dim => dim.ValueCase == Dimension.ValueOneofCase.Size ? dim.Size : -1L).ToList());

    private static TensorResponse ToTensor(TensorSpec t) => new(t.Name, t.Datatype, t.Shape.ToList());
}
