namespace Platform.Client;

/// <summary><c>/api/v1/endpoints/{e}/deployments</c>: create or update, wait for a state with progress, logs, delete.</summary>
public sealed class DeploymentsClient
{
    private readonly ApiConnection _api;

    internal DeploymentsClient(ApiConnection api) => _api = api;

    /// <summary>How often <see cref="WaitForStateAsync"/> asks.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Creates or updates the deployment; the rollout goes on in the background (see <see cref="WaitForStateAsync"/>).</summary>
    public Task<Deployment> CreateOrUpdateAsync(string endpoint, string name, DeploymentSpec spec, CancellationToken ct = default) =>
        _api.PutAsync<Deployment>(Path(endpoint, name), spec, ct);

    /// <summary>Creates or updates the deployment and waits until this rollout is <c>Healthy</c>, reporting each state seen.</summary>
    public async Task<Deployment> CreateOrUpdateAndWaitAsync(string endpoint, string name, DeploymentSpec spec,
        IProgress<Deployment>? progress = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var started = await CreateOrUpdateAsync(endpoint, name, spec, ct);
        progress?.Report(started);
        return await WaitForStateAsync(endpoint, name, DeploymentStates.Healthy, progress, timeout, started.Generation, ct);
    }

    public Task<Deployment> GetAsync(string endpoint, string name, CancellationToken ct = default) => _api.GetAsync<Deployment>(Path(endpoint, name), ct);

    public Task<List<Deployment>> ListAsync(string endpoint, CancellationToken ct = default) =>
        _api.GetAsync<List<Deployment>>($"/api/v1/endpoints/{ApiConnection.Segment(endpoint)}/deployments", ct);

    /// <summary>The rollout and node log lines of the deployment (the last <paramref name="tail"/> when given).</summary>
    public Task<string> GetLogsAsync(string endpoint, string name, int? tail = null, CancellationToken ct = default) =>
        _api.GetTextAsync(Path(endpoint, name) + "/logs" + (tail is { } n ? $"?tail={n}" : ""), ct);

    public Task DeleteAsync(string endpoint, string name, CancellationToken ct = default) => _api.DeleteAsync(Path(endpoint, name), ct);

    /// <summary>
    /// Polls until the deployment is in <paramref name="state"/> (at <paramref name="minGeneration"/> or later, so an
    /// update does not count the previous rollout's state), reporting every change of state to <paramref name="progress"/>.
    /// Throws <see cref="DeploymentFailedException"/> on <c>Failed</c> (unless that is the state waited for) and
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/> (10 minutes by default).
    /// </summary>
    public async Task<Deployment> WaitForStateAsync(string endpoint, string name, string state, IProgress<Deployment>? progress = null,
        TimeSpan? timeout = null, int minGeneration = 0, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(10));
        Deployment? last = null;
        while (true)
        {
            var current = await GetAsync(endpoint, name, ct);
            if (last is null || current.State != last.State || current.Generation != last.Generation || current.Error != last.Error)
                progress?.Report(current);
            last = current;
            if (current.Generation >= minGeneration)
            {
                if (current.State == state) return current;
                if (current.State == DeploymentStates.Failed) throw new DeploymentFailedException(current);
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Deployment {endpoint}/{name} is still {current.State} after {(timeout ?? TimeSpan.FromMinutes(10)).TotalSeconds:0} s (waiting for {state}).");
            await Task.Delay(PollInterval, ct);
        }
    }

    private static string Path(string endpoint, string name) =>
        $"/api/v1/endpoints/{ApiConnection.Segment(endpoint)}/deployments/{ApiConnection.Segment(name)}";
}
