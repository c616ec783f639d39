using Compute.Service.Catalogue;

namespace Compute.Service.Domain;

public static class ComputeTypes
{
    public const string Local = "local";
    public const string Kubernetes = "kubernetes";
}

public static class Purposes
{
    public const string DevTest = "DevTest";
    public const string FastProd = "FastProd";
}

public static class ProvisioningStates
{
    public const string Creating = "Creating";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    // Only ever published on the bus: the row is gone afterwards.
    public const string Deleted = "Deleted";
    public const string Detached = "Detached";
}

/// <summary>Azure ML's compute name rules. Every broken rule is reported, each in words the user can act on.</summary>
public static class ComputeNameRules
{
    public const int MinLength = 3;
    public const int MaxLength = 24;
    public const string BuiltInLocal = "local";

    public static IReadOnlyList<string> Check(string? name)
    {
        if (string.IsNullOrEmpty(name)) return ["is required: 3 to 24 characters, letters, digits and '-', starting with a letter."];
        var errors = new List<string>();
        if (name.Length is < MinLength or > MaxLength)
            errors.Add($"must be {MinLength} to {MaxLength} characters long (it is {name.Length}).");
        if (!char.IsAsciiLetter(name[0]))
            errors.Add("must start with a letter.");
        if (name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            errors.Add("may contain only letters, digits and '-'.");
        return errors;
    }
}

/// <summary>Azure ML's cluster-purpose rules: FastProd clusters need at least 12 vCPUs across agents, DevTest at least 2.</summary>
public static class PurposeRules
{
    public const int FastProdMinVCpus = 12;
    public const int DevTestMinVCpus = 2;

    public static int MinVCpus(string purpose) => purpose == Purposes.FastProd ? FastProdMinVCpus : DevTestMinVCpus;

    /// <summary>Azure's defaults: three agents for production, one for dev/test.</summary>
    public static int DefaultAgentCount(string purpose) => purpose == Purposes.FastProd ? 3 : 1;

    public static string? Check(string purpose, VmSize size, int agentCount)
    {
        var total = agentCount * size.VCpus;
        var min = MinVCpus(purpose);
        return total >= min
            ? null
            : $"{purpose} needs agentCount × vCPUs(vmSize) ≥ {min}, but {agentCount} × {size.VCpus} ({size.Name}) = {total}.";
    }
}

/// <summary>
/// Quota as Azure ML managed online endpoints count it: a deployment holds ceil(1.2 × instances) × cores, the surplus
/// leaving room to roll replicas during upgrades. Applies to user-created computes (their quota is agentCount × vmSize);
/// the built-in <c>local</c> compute is bounded by its nodes' real capacity instead.
/// </summary>
public static class Quota
{
    public const decimal SurplusFactor = 1.2m;

    public static int QuotaInstances(int instances) => (int)Math.Ceiling(SurplusFactor * instances);

    public static decimal QuotaCores(int instances, decimal cpuCores) => QuotaInstances(instances) * cpuCores;
}
