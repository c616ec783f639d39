using Aspire.Hosting.Eventing;
using Aspire.Hosting.Lifecycle;
using Microsoft.Extensions.Hosting;

namespace AppHost;

/// <summary>
/// Reads every resource state change from BeforeStart on, until the app stops: the host's own start waits for
/// resources, so a hosted service would start too late to see a server fail or a service crash while starting.
/// </summary>
internal abstract class ResourceEventWatcher(ResourceNotificationService notifications, IHostApplicationLifetime lifetime)
    : IDistributedApplicationEventingSubscriber
{
    private Task? _watching;

    protected IHostApplicationLifetime Lifetime { get; } = lifetime;

    public Task SubscribeAsync(IDistributedApplicationEventing eventing, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            _watching ??= Task.Run(() => WatchAsync(Lifetime.ApplicationStopping));
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    /// <summary>One state change; returns false to stop watching.</summary>
    protected abstract Task<bool> OnEventAsync(ResourceEvent e, CancellationToken stopping);

    private async Task WatchAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync(stopping))
            {
                if (stopping.IsCancellationRequested) return;
                if (!await OnEventAsync(e, stopping)) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
