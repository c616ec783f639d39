using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Compute.Service.Application;

public sealed record RegisterNodeCommand(string NodeName, string HttpAddress, string GrpcAddress, double CpuCores, double MemoryGb, int Gpus, IReadOnlyList<string> LoadedModels);

public sealed record HeartbeatCommand(string NodeName, double InUseCpuCores, double InUseMemoryGb, int InUseGpus, IReadOnlyList<string> LoadedModels);

public sealed record NodeLease(int HeartbeatIntervalSeconds, int LeaseSeconds);

/// <summary>The inference nodes that make up the built-in <c>local</c> compute: they register once and then heartbeat.</summary>
public sealed class NodeRegistry(ComputeDbContext db, IOptions<ComputeOptions> options, TimeProvider clock)
{
    public const int MaxNodeNameLength = 63;

    public NodeLease Lease => new(options.Value.HeartbeatIntervalSeconds, (int)options.Value.Lease.TotalSeconds);

    public async Task<NodeLease> RegisterAsync(RegisterNodeCommand c, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckNodeName(c.NodeName, errors);
        CheckAddress("httpAddress", c.HttpAddress, errors);
        CheckAddress("grpcAddress", c.GrpcAddress, errors);
        if (!double.IsFinite(c.CpuCores) || c.CpuCores <= 0 || c.CpuCores > 4096) errors.Add("capacity.cpuCores", "must be a number above 0 and at most 4096.");
        if (!double.IsFinite(c.MemoryGb) || c.MemoryGb <= 0 || c.MemoryGb > 65536) errors.Add("capacity.memoryGb", "must be a number above 0 and at most 65536.");
        if (c.Gpus is < 0 or > 64) errors.Add("capacity.gpus", "must be between 0 and 64.");
        errors.ThrowIfAny();

        var now = clock.GetUtcNow();
        var cores = Capacity.FromDouble(c.CpuCores);
        var memory = Capacity.FromDouble(c.MemoryGb);
        var models = c.LoadedModels.ToArray();
        // One statement, so two registrations of the same node at once cannot collide.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO nodes (name, http_address, grpc_address, cpu_cores, memory_gb, gpus, loaded_models, registered_at, last_heartbeat_at)
            VALUES ({c.NodeName}, {c.HttpAddress}, {c.GrpcAddress}, {cores}, {memory}, {c.Gpus}, {models}, {now}, {now})
            ON CONFLICT (name) DO UPDATE SET
                http_address = EXCLUDED.http_address, grpc_address = EXCLUDED.grpc_address,
                cpu_cores = EXCLUDED.cpu_cores, memory_gb = EXCLUDED.memory_gb, gpus = EXCLUDED.gpus,
                loaded_models = EXCLUDED.loaded_models, registered_at = EXCLUDED.registered_at,
                last_heartbeat_at = EXCLUDED.last_heartbeat_at
            """, ct);
        return Lease;
    }

    public async Task<NodeLease> HeartbeatAsync(HeartbeatCommand c, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckNodeName(c.NodeName, errors);
        if (!double.IsFinite(c.InUseCpuCores) || c.InUseCpuCores < 0) errors.Add("inUse.cpuCores", "must be a number of at least 0.");
        if (!double.IsFinite(c.InUseMemoryGb) || c.InUseMemoryGb < 0) errors.Add("inUse.memoryGb", "must be a number of at least 0.");
        if (c.InUseGpus < 0) errors.Add("inUse.gpus", "must be at least 0.");
        errors.ThrowIfAny();

        var now = clock.GetUtcNow();
        var cores = Capacity.FromDouble(c.InUseCpuCores);
        var memory = Capacity.FromDouble(c.InUseMemoryGb);
        var models = c.LoadedModels.ToArray();
        var updated = await db.Nodes.Where(n => n.Name == c.NodeName).ExecuteUpdateAsync(s => s
            .SetProperty(n => n.LastHeartbeatAt, now)
            .SetProperty(n => n.InUseCpuCores, cores)
            .SetProperty(n => n.InUseMemoryGb, memory)
            .SetProperty(n => n.InUseGpus, c.InUseGpus)
            .SetProperty(n => n.LoadedModels, models), ct);
        if (updated == 0)
            throw new ComputeException(ComputeErrorKind.NotFound, $"Node '{c.NodeName}' is not registered; call RegisterNode first.");
        return Lease;
    }

    private static void CheckNodeName(string name, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name)) errors.Add("nodeName", "is required.");
        else if (name.Length > MaxNodeNameLength) errors.Add("nodeName", $"must be at most {MaxNodeNameLength} characters.");
        else if (name.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not '-' and not '_' and not '.'))
            errors.Add("nodeName", "may contain only letters, digits, '-', '_' and '.'.");
    }

    private static void CheckAddress(string field, string value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) errors.Add(field, "is required, e.g. http://127.0.0.1:5301.");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            errors.Add(field, "must be an absolute http:// or https:// address.");
    }
}
