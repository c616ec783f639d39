using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Http;

/// <summary>
/// Resolves a service's address from Aspire's configuration convention:
/// <c>services__{service}__{endpoint}__{index}</c>, e.g. <c>services__registry__grpc__0=http://127.0.0.1:5102</c>.
/// </summary>
public sealed class ServiceAddresses(IConfiguration configuration)
{
    public Uri? TryResolve(string service, string endpoint = "http")
    {
        var section = configuration.GetSection($"services:{service}:{endpoint}");
        foreach (var child in section.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (Uri.TryCreate(child.Value, UriKind.Absolute, out var uri)) return uri;
        }
        return null;
    }

    public IReadOnlyList<Uri> ResolveAll(string service, string endpoint = "http") =>
        configuration.GetSection($"services:{service}:{endpoint}").GetChildren()
            .Select(c => Uri.TryCreate(c.Value, UriKind.Absolute, out var u) ? u : null)
            .OfType<Uri>()
            .ToList();

    public Uri Resolve(string service, string endpoint = "http") =>
        TryResolve(service, endpoint)
        ?? throw new InvalidOperationException(
            $"No address configured for service '{service}' endpoint '{endpoint}': set services__{service}__{endpoint}__0.");
}

public static class ServiceAddressesExtensions
{
    public static IServiceCollection AddServiceAddresses(this IServiceCollection services)
    {
        services.AddSingleton<ServiceAddresses>();
        return services;
    }
}
