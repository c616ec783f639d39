using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Kubernetes;

/// <summary>Where and as whom to talk to a cluster. The token is secret: <see cref="ToString"/> leaves it out.</summary>
public sealed record ClusterConnection(Uri ApiServer, string Namespace, string Token)
{
    public override string ToString() => $"{ApiServer} namespace {Namespace}";
}

/// <summary>An API server refused a call; <see cref="Exception.Message"/> carries its Status message.</summary>
public sealed class KubernetesApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>What the rollout needs of a Deployment's status (<see cref="PodReplicas"/>: status.replicas, pods of any template).</summary>
public sealed record DeploymentStatus(long Generation, long ObservedGeneration, int Replicas, int ReadyReplicas, int UpdatedReplicas, string? Condition, int PodReplicas = 0)
{
    /// <summary>
    /// As <c>kubectl rollout status</c>: the controller has seen the applied spec, enough pods run the new template, no
    /// pod of an old template is left, and enough are ready. Until the old pods are gone, readyReplicas still counts
    /// them, so a new pod that never becomes ready must not pass for a ready generation.
    /// </summary>
    public bool IsReady(int wanted) =>
        ObservedGeneration >= Generation && UpdatedReplicas >= wanted && PodReplicas <= UpdatedReplicas && ReadyReplicas >= wanted;

    public static DeploymentStatus Of(V1Deployment deployment)
    {
        var status = deployment.Status;
        // The newest condition that says something (e.g. ProgressDeadlineExceeded, or a ReplicaFailure's message).
        var condition = status?.Conditions?
            .Where(c => c.Status != "True" || c.Reason == "ProgressDeadlineExceeded")
            .Select(c => $"{c.Type}: {c.Reason} {c.Message}".Trim())
            .LastOrDefault();
        return new DeploymentStatus(deployment.Metadata?.Generation ?? 0, status?.ObservedGeneration ?? 0, deployment.Spec?.Replicas ?? 0,
            status?.ReadyReplicas ?? 0, status?.UpdatedReplicas ?? 0, condition, status?.Replicas ?? 0);
    }
}

/// <summary>
/// The Kubernetes API through the official client (KubernetesClient): the rendered manifests become typed objects and
/// are server-side applied (<c>application/apply-patch+yaml</c>, our field manager, <c>force=true</c>); a Deployment's
/// readiness is watched rather than polled; deletes propagate in the foreground. One client per API server and token.
/// The client's <see cref="HttpOperationException"/>s become <see cref="KubernetesApiException"/> with the API server's
/// Status message (never the token).
/// </summary>
public sealed class KubernetesApiClient(IOptions<DeployOptions> options) : IDisposable
{
    public const string FieldManager = "platform-deploy";

    private readonly ConcurrentDictionary<(Uri, string), k8s.Kubernetes> _clients = new();

    private k8s.Kubernetes Client(ClusterConnection connection) => _clients.GetOrAdd((connection.ApiServer, connection.Token), key => new k8s.Kubernetes(
        new KubernetesClientConfiguration
        {
            Host = key.Item1.ToString().TrimEnd('/'),
            AccessToken = key.Item2,
            HttpClientTimeout = TimeSpan.FromSeconds(options.Value.KubernetesApiTimeoutSeconds),
        }));

    /// <summary>Server-side applies one rendered manifest (Secret, Deployment, Service or HorizontalPodAutoscaler) as its typed object.</summary>
    public async Task ApplyAsync(ClusterConnection connection, JsonObject manifest, CancellationToken ct)
    {
        var client = Client(connection);
        var ns = connection.Namespace;
        var name = (string?)manifest["metadata"]?["name"] ?? throw new ArgumentException("The manifest has no metadata.name", nameof(manifest));
        var json = manifest.ToJsonString();
        await Call<object>(async () => (string?)manifest["kind"] switch
        {
            "Secret" => await client.CoreV1.PatchNamespacedSecretAsync(Patch<V1Secret>(json), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct),
            "Deployment" => await client.AppsV1.PatchNamespacedDeploymentAsync(Patch<V1Deployment>(json), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct),
            "Service" => await client.CoreV1.PatchNamespacedServiceAsync(Patch<V1Service>(json), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct),
            "HorizontalPodAutoscaler" => await client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(Patch<V2HorizontalPodAutoscaler>(json), name, ns,
                fieldManager: FieldManager, force: true, cancellationToken: ct),
            var kind => throw new ArgumentException($"No apply for kind '{kind}'", nameof(manifest)),
        });
    }

    /// <summary>Deletes the deployment's HorizontalPodAutoscaler, Service and Deployment named <paramref name="name"/>; returns how many existed.</summary>
    public async Task<int> DeleteAllAsync(ClusterConnection connection, string name, CancellationToken ct)
    {
        var client = Client(connection);
        var ns = connection.Namespace;
        var deleted = 0;
        if (await Deleted(() => client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(name, ns, propagationPolicy: "Foreground", cancellationToken: ct))) deleted++;
        if (await Deleted(() => client.CoreV1.DeleteNamespacedServiceAsync(name, ns, propagationPolicy: "Foreground", cancellationToken: ct))) deleted++;
        if (await Deleted(() => client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, propagationPolicy: "Foreground", cancellationToken: ct))) deleted++;
        return deleted;
    }

    /// <summary>The Deployment's status and resourceVersion, or null when it does not exist.</summary>
    public async Task<(DeploymentStatus Status, string? ResourceVersion)?> ReadDeploymentAsync(ClusterConnection connection, string name, CancellationToken ct)
    {
        try
        {
            var deployment = await Call(() => Client(connection).AppsV1.ReadNamespacedDeploymentAsync(name, connection.Namespace, cancellationToken: ct));
            return (DeploymentStatus.Of(deployment), deployment.Metadata?.ResourceVersion);
        }
        catch (KubernetesApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Watches the Deployment from <paramref name="resourceVersion"/> for at most <paramref name="timeout"/> (the API
    /// server ends the watch then): each change of it yields its status; a deletion yields null. Ends when the watch does.
    /// </summary>
    public async IAsyncEnumerable<DeploymentStatus?> WatchDeploymentAsync(ClusterConnection connection, string name, string? resourceVersion, TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var events = Client(connection).AppsV1.WatchListNamespacedDeploymentAsync(connection.Namespace,
            fieldSelector: $"metadata.name={name}", resourceVersion: resourceVersion, timeoutSeconds: Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            cancellationToken: ct);
        await foreach (var (type, deployment) in events.WithCancellation(ct))
        {
            if (type == WatchEventType.Deleted) yield return null;
            else if (type is WatchEventType.Added or WatchEventType.Modified) yield return DeploymentStatus.Of(deployment);
        }
    }

    private static V1Patch Patch<T>(string json) => new(KubernetesJson.Deserialize<T>(json), V1Patch.PatchType.ApplyPatch);

    private static async Task<bool> Deleted<T>(Func<Task<T>> delete)
    {
        try
        {
            await Call(delete);
            return true;
        }
        catch (KubernetesApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (JsonException)
        {
            // A 2xx whose body is a Status rather than the object (the API server may answer either to a DELETE): deleted.
            return true;
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException ex)
        {
            throw Error(ex);
        }
    }

    /// <summary>The API server's Status message (<c>{"kind":"Status","message":…}</c>) when it sent one, else the HTTP status.</summary>
    private static KubernetesApiException Error(HttpOperationException ex)
    {
        var status = ex.Response?.StatusCode ?? HttpStatusCode.InternalServerError;
        string? message = null;
        try
        {
            if (ex.Response?.Content is { Length: > 0 } body && JsonNode.Parse(body) is JsonObject parsed) message = (string?)parsed["message"];
        }
        catch (JsonException)
        {
            // Not a Status object (a proxy in front of the API server, say): the HTTP status says enough.
        }
        var what = $"{ex.Request?.Method} {ex.Request?.RequestUri?.AbsolutePath} answered {(int)status} {ex.Response?.ReasonPhrase}".Trim();
        return new KubernetesApiException(status, string.IsNullOrWhiteSpace(message) ? what : $"{what}: {message}");
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
