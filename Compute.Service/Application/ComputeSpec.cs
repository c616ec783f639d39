namespace Compute.Service.Application;

/// <summary>A validated create-or-update request; names and values are already in their canonical spelling.</summary>
public sealed record ComputeSpec(
    string Type,
    string Purpose,
    string VmSize,
    int AgentCount,
    KubernetesSpec? Kubernetes);

public sealed record KubernetesSpec(Uri ApiServer, string Namespace, string Token);
