using System.Threading.Channels;

namespace Deploy.Service.Rollout;

/// <summary>
/// Wakes the rollout worker for a deployment (or an endpoint to remove). Only a hint: the database says what to do,
/// and the worker rescans it periodically, so a lost wake-up (a restart) only delays work.
/// </summary>
public sealed class RolloutQueue
{
    private readonly Channel<Guid> _deployments = Channel.CreateUnbounded<Guid>();
    private readonly Channel<string> _endpoints = Channel.CreateUnbounded<string>();

    public void Enqueue(Guid deploymentId) => _deployments.Writer.TryWrite(deploymentId);
    public void EnqueueEndpointCleanup(string endpoint) => _endpoints.Writer.TryWrite(endpoint);

    internal ChannelReader<Guid> Deployments => _deployments.Reader;
    internal ChannelReader<string> Endpoints => _endpoints.Reader;
}
