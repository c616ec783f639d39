using System.Diagnostics;
using Contracts.Clients;
using Contracts.Compute.V1;
using Grpc.Core;
using Inference.Service.Models;
using Inference.Service.Runtime;
using Microsoft.Extensions.Options;

namespace Inference.Service.Registration;

/// <summary>
/// Registers this node with Compute.Service and heartbeats while it runs, so Compute can offer its capacity and notice when it goes away.
/// Runs only when <c>services:compute:grpc:0</c> is configured; Compute being down is retried, never fatal.
/// </summary>
internal sealed class ComputeRegistration(
    IServiceProvider services,
    IConfiguration configuration,
    ModelRepository models,
    IOptions<InferenceOptions> options,
    GpuInventory gpus,
    ILogger<ComputeRegistration> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var compute = services.GetRequiredService<ComputeClient>();
        var node = options.Value;
        var interval = node.HeartbeatInterval;
        var registered = false;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!registered)
                {
                    var response = await compute.RegisterNodeAsync(RegisterRequest(node), stoppingToken);
                    registered = true;
                    failures = 0;
                    if (response.HeartbeatIntervalSeconds > 0) interval = TimeSpan.FromSeconds(response.HeartbeatIntervalSeconds);
                    logger.LogInformation("Registered node {Node} with Compute; heartbeat every {Interval}", node.NodeName, interval);
                }
                else
                {
                    var heartbeat = new HeartbeatRequest { NodeName = node.NodeName, InUse = InUse() };
                    heartbeat.LoadedModels.AddRange(LoadedModelNames());
                    var response = await compute.HeartbeatAsync(heartbeat, stoppingToken);
                    failures = 0;
                    if (response.HeartbeatIntervalSeconds > 0) interval = TimeSpan.FromSeconds(response.HeartbeatIntervalSeconds);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // Compute forgot us (restarted, lease expired): register again.
                registered = false;
                continue;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException && !stoppingToken.IsCancellationRequested)
            {
                // One line per outage, not one per attempt.
                if (failures++ == 0) logger.LogWarning("Compute unreachable ({Error}); node {Node} keeps serving and retries", e.Message, node.NodeName);
            }

            try
            {
                await Task.Delay(failures == 0 ? interval : TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(failures, 5))), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private RegisterNodeRequest RegisterRequest(InferenceOptions node)
    {
        var capacity = NodeControl.Capacity(gpus);
        var request = new RegisterNodeRequest
        {
            NodeName = node.NodeName,
            HttpAddress = node.AdvertisedHttpAddress ?? configuration["Kestrel:Endpoints:http:Url"] ?? "",
            GrpcAddress = node.AdvertisedGrpcAddress ?? configuration["Kestrel:Endpoints:grpc:Url"] ?? "",
            Capacity = new Capacity { CpuCores = capacity.CpuCores, MemoryGb = capacity.MemoryBytes / (1024.0 * 1024 * 1024), Gpus = capacity.Gpus },
        };
        request.LoadedModels.AddRange(LoadedModelNames());
        return request;
    }

    private IEnumerable<string> LoadedModelNames() => models.Models.Where(m => m.IsReady).Select(m => m.Name);

    private static Capacity InUse()
    {
        using var process = Process.GetCurrentProcess();
        return new Capacity { MemoryGb = process.WorkingSet64 / (1024.0 * 1024 * 1024) };
    }
}
