using Microsoft.AspNetCore.DataProtection;

namespace Compute.Service.Provisioning;

/// <summary>
/// Encrypts Kubernetes API tokens at rest with ASP.NET Core Data Protection; the keys live under
/// <c>{DataRoot}/compute/keys</c>, outside the database, so a database dump alone does not reveal a token.
/// </summary>
public sealed class TokenProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Compute.KubernetesToken.v1");

    public string Protect(string token) => _protector.Protect(token);

    public string Unprotect(string protectedToken) => _protector.Unprotect(protectedToken);
}
