using System.Diagnostics;
using Gateway.Service.Configuration;
using Gateway.Service.Routing;
using Gateway.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Service.Proxy;

/// <summary>
/// Copies a share of live traffic to mirror deployments, fire-and-forget. Concurrency is bounded by a semaphore
/// taken with a zero wait: when all slots are busy the copy is dropped (and counted), never queued, so mirroring
/// cannot slow or grow memory under live load. Answers are read to the end (to measure) and thrown away.
/// </summary>
public sealed class MirrorDispatcher(ReplicaBalancer balancer, NodeHttpClients clients, GatewayMetrics metrics, MirrorStatistics statistics,
    IOptions<GatewayOptions> options, ILogger<MirrorDispatcher> logger)
{
    private readonly SemaphoreSlim _slots = new(options.Value.MirrorConcurrency, options.Value.MirrorConcurrency);

    /// <summary>
    /// <paramref name="body"/> is only valid during this call (it lives in the live request's pooled buffer): a copy
    /// is made, once, when a mirror copy is actually sent.
    /// </summary>
    public void Dispatch(EndpointRoute endpoint, DeploymentRoute answering, NodeRoute route, ReadOnlyMemory<byte> body, string? contentType)
    {
        if (endpoint.Mirrors.Count == 0) return;
        byte[]? copy = null;
        foreach (var target in endpoint.Mirrors)
        {
            if (target.Deployment == answering || Random.Shared.Next(100) >= target.Percent) continue;
            var counters = statistics.For(endpoint.Name, target.Deployment.Name);
            if (!_slots.Wait(0))
            {
                Interlocked.Increment(ref counters.Dropped);
                metrics.Mirror(endpoint.Name, target.Deployment.Name, "dropped", null);
                continue;
            }
            Interlocked.Increment(ref counters.Sent);
            _ = SendAsync(endpoint.Name, target.Deployment, route, copy ??= body.ToArray(), contentType);
        }
    }

    private async Task SendAsync(string endpoint, DeploymentRoute deployment, NodeRoute route, ReadOnlyMemory<byte> body, string? contentType)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Yield first: the live request must not wait for the copy's connection set-up.
            await Task.Yield();
            var replica = balancer.Choose(deployment.Replicas);
            if (replica is null)
            {
                Interlocked.Increment(ref statistics.For(endpoint, deployment.Name).Failed);
                metrics.Mirror(endpoint, deployment.Name, "no_replica", null);
                return;
            }
            using var lease = balancer.Begin(replica);
            using var timeout = new CancellationTokenSource(options.Value.RequestTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, deployment.NodeUri(replica, route))
            {
                Version = clients.HttpVersion,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ReadOnlyMemoryContent(body),
            };
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await clients.For(replica.HttpAddress).SendAsync(request, timeout.Token);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            var counters = statistics.For(endpoint, deployment.Name);
            if (response.IsSuccessStatusCode) Interlocked.Increment(ref counters.Succeeded);
            else Interlocked.Increment(ref counters.Failed);
            metrics.Mirror(endpoint, deployment.Name, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref statistics.For(endpoint, deployment.Name).Failed);
            metrics.Mirror(endpoint, deployment.Name, ex is OperationCanceledException ? "timeout" : "error", Stopwatch.GetElapsedTime(started).TotalSeconds);
            logger.LogDebug(ex, "Mirror copy to {Deployment} of {Endpoint} failed", deployment.Name, endpoint);
        }
        finally
        {
            _slots.Release();
        }
    }
}
