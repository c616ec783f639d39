using Contracts.Registry.V1;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Deploy.Service.Kubernetes;

/// <summary>Waiting for a Deployment's pods ran out of time; the message says how far it got.</summary>
public sealed class KubernetesRolloutTimeoutException(string message) : Exception(message);

/// <summary>
/// The kubernetes side of a rollout: renders a deployment's objects, applies them, waits until the Deployment reports
/// its replicas ready for the applied generation, and deletes them again. Kubernetes schedules and rolls pods; this
/// only says what should run and watches for the answer.
/// </summary>
public sealed class KubernetesRollout(
    KubernetesApiClient api, PlatformCredential credential, IOptions<DeployOptions> options, IConfiguration configuration)
{
    public KubernetesRenderSettings Settings => new(
        options.Value.KubernetesInferenceImage, options.Value.KubernetesHttpPort, options.Value.KubernetesGrpcPort, options.Value.KubernetesCpuTargetPercent);

    /// <summary>The registry's REST download of the model file, under <see cref="DeployOptions.KubernetesModelBaseUrl"/>.</summary>
    public string ModelUrl(ModelVersion model)
    {
        var baseUrl = options.Value.KubernetesModelBaseUrl is { Length: > 0 } configured ? configured : configuration["services:registry:http:0"] ?? "";
        if (baseUrl.Length == 0)
            throw new InvalidOperationException("no address to download models from: set Deploy:KubernetesModelBaseUrl (the registry as the cluster reaches it)");
        var path = string.Join('/', model.ModelFile.Split('/').Select(Uri.EscapeDataString));
        return $"{baseUrl.TrimEnd('/')}/api/v1/models/{Uri.EscapeDataString(model.Name)}/versions/{model.Version}/files/{path}";
    }

    /// <summary>
    /// Server-side apply of the platform credential's Secret (the pods read it), the Deployment, its Service and its
    /// autoscaler, in that order.
    /// </summary>
    public async Task ApplyAsync(ClusterConnection connection, KubernetesObjects objects, CancellationToken ct)
    {
        await api.ApplyAsync(connection, KubernetesManifests.SecretPath(objects.Namespace, KubernetesManifests.CredentialSecret),
            KubernetesManifests.CredentialSecretObject(objects.Namespace, credential.Key), ct);
        await api.ApplyAsync(connection, objects.DeploymentPath, objects.Deployment, ct);
        await api.ApplyAsync(connection, objects.ServicePath, objects.Service, ct);
        await api.ApplyAsync(connection, objects.AutoscalerPath, objects.Autoscaler, ct);
    }

    /// <summary>
    /// Polls the Deployment until <c>status.observedGeneration ≥ metadata.generation</c> and
    /// <c>status.readyReplicas ≥ replicas</c>, for at most <see cref="DeployOptions.KubernetesRolloutTimeoutSeconds"/>.
    /// </summary>
    public async Task<DeploymentStatus> WaitUntilReadyAsync(ClusterConnection connection, KubernetesObjects objects, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.KubernetesRolloutTimeoutSeconds);
        var started = TimeProvider.System.GetTimestamp();
        DeploymentStatus? last = null;
        while (true)
        {
            last = await api.GetDeploymentStatusAsync(connection, objects.Name, ct)
                ?? throw new KubernetesApiException(System.Net.HttpStatusCode.NotFound, $"Deployment {objects.Name} disappeared from namespace {objects.Namespace}");
            if (last.IsReady(objects.Replicas)) return last;
            if (TimeProvider.System.GetElapsedTime(started) >= timeout)
                throw new KubernetesRolloutTimeoutException(
                    $"Deployment {objects.Name} did not become ready within {timeout.TotalSeconds:0.#} s: " +
                    $"{last.ReadyReplicas} of {objects.Replicas} replica(s) ready, observed generation {last.ObservedGeneration} of {last.Generation}" +
                    (last.Condition is null ? "" : $" ({last.Condition})"));
            await Task.Delay(TimeSpan.FromSeconds(options.Value.KubernetesPollSeconds), ct);
        }
    }

    /// <summary>Deletes the autoscaler, Service and Deployment; ones already gone are fine. Returns how many existed.</summary>
    public async Task<int> DeleteAsync(ClusterConnection connection, string name, CancellationToken ct)
    {
        var deleted = 0;
        if (await api.DeleteAsync(connection, KubernetesManifests.AutoscalerPath(connection.Namespace, name), ct)) deleted++;
        if (await api.DeleteAsync(connection, KubernetesManifests.ServicePath(connection.Namespace, name), ct)) deleted++;
        if (await api.DeleteAsync(connection, KubernetesManifests.DeploymentPath(connection.Namespace, name), ct)) deleted++;
        return deleted;
    }
}
