using Contracts.Events;
using MassTransit;

namespace Compute.Service.Application;

/// <summary>
/// Publishes <see cref="ComputeTargetChanged"/> after the change is committed. There is no outbox here: a crash between
/// commit and publish loses the event, but a compute left in Creating is provisioned again after a restart and published then.
/// </summary>
public sealed class ComputeEvents(IBus bus, TimeProvider clock, ILogger<ComputeEvents> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    public async Task PublishChangedAsync(string name, string type, string state, string? error)
    {
        using var cts = new CancellationTokenSource(PublishTimeout);
        try
        {
            await bus.Publish(new ComputeTargetChanged(Guid.NewGuid(), name, type, state, error, clock.GetUtcNow()), cts.Token);
        }
        catch (Exception ex)
        {
            // The change itself is committed; a broker outage must not turn it into an error for the caller.
            logger.LogWarning(ex, "Could not publish ComputeTargetChanged for {Compute} ({State})", name, state);
        }
    }
}
