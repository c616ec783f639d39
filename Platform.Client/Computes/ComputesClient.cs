namespace Platform.Client;

public sealed record Capacity(decimal CpuCores, decimal MemoryGb, int Gpus);

public sealed record ComputeNode(
    string Name, string HttpAddress, string GrpcAddress, string State,
    Capacity Capacity, Capacity Reserved, Capacity Free, Capacity InUse,
    DateTimeOffset LastHeartbeatAt, IReadOnlyList<string> LoadedModels);

public sealed record KubernetesConnection(string ApiServer, string Namespace);

/// <summary>A compute as <c>GET /api/v1/computes/{name}</c> shows it; the Kubernetes token is write-only.</summary>
public sealed record Compute(
    string Name, string Type, string? Purpose, string? VmSize, int? AgentCount,
    string ProvisioningState, string? Error, KubernetesConnection? Kubernetes,
    Capacity Capacity, Capacity Free, IReadOnlyList<ComputeNode> Nodes,
    int Reservations, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record KubernetesSpec(string ApiServer, string? Namespace, string Token);

/// <summary>The body of <c>PUT /api/v1/computes/{name}</c>: <c>local</c> or <c>kubernetes</c> (attach).</summary>
public sealed record ComputeSpec(string Type)
{
    /// <summary><c>DevTest</c> or <c>FastProd</c>.</summary>
    public string? Purpose { get; init; }

    /// <summary>A size of the VM catalogue, e.g. <c>Standard_D3_v2</c>.</summary>
    public string? VmSize { get; init; }

    public int? AgentCount { get; init; }

    public KubernetesSpec? Kubernetes { get; init; }
}

/// <summary><c>/api/v1/computes</c>.</summary>
public sealed class ComputesClient
{
    private readonly ApiConnection _api;

    internal ComputesClient(ApiConnection api) => _api = api;

    private sealed record ComputeList(List<Compute> Value);

    public Task<Compute> CreateOrUpdateAsync(string name, ComputeSpec spec, CancellationToken ct = default) =>
        _api.PutAsync<Compute>(Path(name), spec, ct);

    public async Task<List<Compute>> ListAsync(CancellationToken ct = default) =>
        (await _api.GetAsync<ComputeList>("/api/v1/computes", ct)).Value;

    public Task<Compute> GetAsync(string name, CancellationToken ct = default) => _api.GetAsync<Compute>(Path(name), ct);

    /// <summary>Detaches a Kubernetes compute: the platform forgets it, the cluster keeps running.</summary>
    public async Task DetachAsync(string name, CancellationToken ct = default)
    {
        using var _ = await _api.SendRawAsync(new HttpRequestMessage(HttpMethod.Post, Path(name) + "/detach"), ct);
    }

    public Task DeleteAsync(string name, CancellationToken ct = default) => _api.DeleteAsync(Path(name), ct);

    private static string Path(string name) => $"/api/v1/computes/{ApiConnection.Segment(name)}";
}
