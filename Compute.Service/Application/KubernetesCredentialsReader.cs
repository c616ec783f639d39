using Compute.Service.Domain;
using Compute.Service.Infrastructure;
using Compute.Service.Provisioning;
using Microsoft.EntityFrameworkCore;

namespace Compute.Service.Application;

/// <summary>A kubernetes compute's connection with its token decrypted, for Deploy.Service (internal gRPC only).</summary>
public sealed record KubernetesCredentialsView(string ApiServer, string Namespace, string Token)
{
    /// <summary>Never the token: records print their properties, and this one may end up in a log line.</summary>
    public override string ToString() => $"{ApiServer} namespace {Namespace}";
}

public sealed class KubernetesCredentialsReader(ComputeDbContext db, TokenProtector tokens)
{
    public async Task<KubernetesCredentialsView> GetAsync(string name, CancellationToken ct)
    {
        var lowered = name.ToLowerInvariant();
        var target = await db.ComputeTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Name.ToLower() == lowered, ct)
            ?? throw ComputeException.ComputeNotFound(name);
        if (target.Type != ComputeTypes.Kubernetes || target.ApiServer is null || target.ProtectedToken is null)
            throw new ComputeException(ComputeErrorKind.FailedPrecondition, $"Compute '{target.Name}' is not an attached kubernetes cluster.");
        return new KubernetesCredentialsView(target.ApiServer, target.Namespace ?? "default", tokens.Unprotect(target.ProtectedToken));
    }
}
