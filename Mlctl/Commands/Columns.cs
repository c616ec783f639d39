using Mlctl.Output;

namespace Mlctl.Commands;

/// <summary>The table columns of each kind of result.</summary>
internal static class Columns
{
    public static readonly Column[] Model = [new("Name", "name"), new("Version", "version"), new("Framework", "framework"), new("Description", "description"), new("Tags", "tags"), new("Created", "createdAt")];

    public static readonly Column[] Endpoint = [new("Name", "name"), new("Auth", "authMode"), new("State", "provisioningState"), new("Traffic", "traffic"), new("Mirror", "mirrorTraffic"), new("Scoring URI", "scoringUri")];

    public static readonly Column[] Deployment = [new("Name", "name"), new("Endpoint", "endpoint"), new("Model", "model"), new("Compute", "compute"), new("Instances", "instanceCount"), new("CPU", "cpuCores"), new("Memory GB", "memoryGb"), new("State", "state"), new("Error", "error")];

    public static readonly Column[] Compute = [new("Name", "name"), new("Type", "type"), new("VM size", "vmSize"), new("State", "provisioningState"), new("Free CPU", "free.cpuCores"), new("Free memory GB", "free.memoryGb"), new("Nodes", "nodes.length")];
}
