using System.Text.Json;
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
        await api.ApplyAsync(connection, KubernetesManifests.CredentialSecretObject(objects.Namespace, credential.Key), ct);
        await api.ApplyAsync(connection, objects.Deployment, ct);
        await api.ApplyAsync(connection, objects.Service, ct);
        await api.ApplyAsync(connection, objects.Autoscaler, ct);
    }

    /// <summary>
    /// Reads the Deployment, then watches it until <c>status.observedGeneration ≥ metadata.generation</c> and its
    /// replicas of the applied template are ready (<see cref="DeploymentStatus.IsReady"/>), for at most
    /// <see cref="DeployOptions.KubernetesRolloutTimeoutSeconds"/>. A watch the server or a proxy ends is read and
    /// opened again after <see cref="DeployOptions.KubernetesPollSeconds"/>.
    /// </summary>
    public async Task<DeploymentStatus> WaitUntilReadyAsync(ClusterConnection connection, KubernetesObjects objects, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.KubernetesRolloutTimeoutSeconds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var started = TimeProvider.System.GetTimestamp();
        DeploymentStatus? last = null;
        try
        {
            while (true)
            {
                var read = await api.ReadDeploymentAsync(connection, objects.Name, deadline.Token) ?? throw Disappeared(objects);
                last = read.Status;
                if (last.IsReady(objects.Replicas)) return last;
                try
                {
                    await foreach (var changed in api.WatchDeploymentAsync(connection, objects.Name, read.ResourceVersion,
                        timeout - TimeProvider.System.GetElapsedTime(started), deadline.Token))
                    {
                        last = changed ?? throw Disappeared(objects);
                        if (last.IsReady(objects.Replicas)) return last;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or k8s.Autorest.HttpOperationException
                    or KubernetesApiException { Status: not System.Net.HttpStatusCode.NotFound }
                    && !deadline.IsCancellationRequested)
                {
                    // The watch broke off (connection reset, a proxy's timeout, an expired resourceVersion): read again.
                }
                await Task.Delay(TimeSpan.FromSeconds(options.Value.KubernetesPollSeconds), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new KubernetesRolloutTimeoutException(
                $"Deployment {objects.Name} did not become ready within {timeout.TotalSeconds:0.#} s: " +
                $"{last?.ReadyReplicas ?? 0} of {objects.Replicas} replica(s) ready, observed generation {last?.ObservedGeneration ?? 0} of {last?.Generation ?? 0}" +
                (last?.Condition is null ? "" : $" ({last.Condition})"));
        }
    }

    private static KubernetesApiException Disappeared(KubernetesObjects objects) =>
        new(System.Net.HttpStatusCode.NotFound, $"Deployment {objects.Name} disappeared from namespace {objects.Namespace}");

    /// <summary>Deletes the autoscaler, Service and Deployment; ones already gone are fine. Returns how many existed.</summary>
    public Task<int> DeleteAsync(ClusterConnection connection, string name, CancellationToken ct) => api.DeleteAllAsync(connection, name, ct);
}
