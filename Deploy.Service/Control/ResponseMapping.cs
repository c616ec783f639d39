using Deploy.Service.Apis;
using Deploy.Service.Domain;
using Deploy.Service.Health;
using Deploy.Service.Infrastructure;
using Microsoft.Extensions.Options;

namespace Deploy.Service.Control;

public sealed class ResponseMapping(IOptions<DeployOptions> options)
{
    private string Base => options.Value.PublicBaseUrl.TrimEnd('/');

    public EndpointResponse ToResponse(EndpointEntity e, IReadOnlyList<DeploymentEntity> deployments)
    {
        var plan = EndpointPlans.ToPlan(e, deployments);
        return new EndpointResponse(
            e.Name, e.AuthMode, e.Description, JsonText.Read<Dictionary<string, string>>(e.TagsJson),
            $"{Base}/endpoints/{e.Name}/score", $"{Base}/endpoints/{e.Name}/swagger.json",
            plan.EffectiveTraffic, plan.Mirror, plan.DefaultDeployment, plan.ControlDeployment,
            e.ProvisioningState, e.MaxBodyBytes, plan.Deployments, e.CreatedAt, e.UpdatedAt);
    }

    public static GpuOptions? GpuOptionsOf(DeploymentEntity d) =>
        d.GpuOptionsJson is { Length: > 0 } json ? System.Text.Json.JsonSerializer.Deserialize<GpuOptions>(json, JsonText.Options) : null;

    public static ScoringScript? ScriptOf(DeploymentEntity d) =>
        d.EntryScript is not null ? new ScoringScript(d.Environment!, d.CodeModel!, d.EntryScript) : null;

    public static ScaleSettings? ScaleOf(DeploymentEntity d) =>
        d.ScaleJson is { Length: > 0 } json ? System.Text.Json.JsonSerializer.Deserialize<ScaleSettings>(json, JsonText.Options) : null;

    /// <summary>The instance count the deployment is brought to now: the autoscaler's, else instanceCount.</summary>
    public static int DesiredInstances(DeploymentEntity d) => d.DesiredInstances > 0 ? d.DesiredInstances : d.InstanceCount;

    /// <summary>Instances the current replicas hold (routed or not).</summary>
    public static int PlacedInstances(DeploymentEntity d) => JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson).Sum(r => r.Instances);

    public static InstancesResponse InstancesOf(DeploymentEntity d)
    {
        var scale = ScaleOf(d);
        var desired = DesiredInstances(d);
        var routed = d.NodeModelName is null ? [] : ReplicaHealth.Routed(d);
        // A kubernetes Service stands for all its pods: the rollout waited for them to be ready, and Kubernetes'
        // readiness probes keep unready ones out of it since.
        var ready = routed.Any(Kubernetes.KubernetesManifests.IsKubernetesReplica)
            ? (d.State == DeploymentStates.Healthy ? desired : 0)
            : routed.Sum(r => r.Instances);
        return new InstancesResponse(desired, ready, scale?.MinInstances ?? d.InstanceCount, scale?.MaxInstances ?? d.InstanceCount);
    }

    public static DeploymentResponse ToResponse(DeploymentEntity d, TrafficPlan plan) => new(
        d.Name, d.EndpointName, d.Model, d.ServingModel, d.Compute, d.InstanceCount, d.CpuCores, d.MemoryGb, d.Gpus, d.AllowCpuFallback, GpuOptionsOf(d),
        plan.DefaultDeployment == d.Name, plan.ControlDeployment == d.Name,
        plan.EffectiveTraffic.GetValueOrDefault(d.Name), plan.Mirror.GetValueOrDefault(d.Name),
        new BatchingResponse(d.MaxBatchSize, d.MaxQueueDelayMicroseconds),
        d.State, d.Error, d.NodeModelName,
        ReplicaHealth.Routed(d),
        JsonText.Read<List<UnreadyReplicaResponse>>(d.UnreadyReplicasJson),
        JsonText.Read<List<TensorResponse>>(d.InputsJson),
        JsonText.Read<List<TensorResponse>>(d.OutputsJson),
        new PackageResponse(d.PackageKey, d.PackageSource, d.PackagePath, JsonText.Read<List<string>>(d.PackageInputsJson)),
        JsonText.Read<List<ReplicaResponse>>(d.ReplicasJson).Select(r => r.Runtime).FirstOrDefault(r => r is not null),
        d.Generation, d.CreatedAt, d.UpdatedAt, d.Environment, d.CodeModel, d.EntryScript,
        ScaleOf(d), InstancesOf(d), LastScalingOf(d));

    public static ScalingResponse? LastScalingOf(DeploymentEntity d) =>
        d.LastScalingJson is { Length: > 0 } json ? System.Text.Json.JsonSerializer.Deserialize<ScalingResponse>(json, JsonText.Options) : null;
}
