using System.Net;
using Microsoft.Extensions.ServiceDiscovery;

namespace ServiceDefaults.Http;

/// <summary>
/// A service's base addresses, resolved through Microsoft.Extensions.ServiceDiscovery (Aspire's
/// <c>services__{service}__{endpoint}__{index}</c> settings), for code that must build its request URIs itself: the
/// gateway's control-plane forwarder sends already-encoded paths that the resolving HTTP handler would canonicalize.
/// HttpClients and gRPC clients address services by name (<c>http://deploy</c>, <c>http://_grpc.registry</c>) instead.
/// </summary>
public sealed class ServiceBaseAddresses(ServiceEndpointResolver resolver)
{
    /// <summary>Every address of <paramref name="service"/>'s <paramref name="endpoint"/> (one per replica), empty when none is configured.</summary>
    public async Task<IReadOnlyList<Uri>> ResolveAllAsync(string service, string endpoint = "http", CancellationToken cancellationToken = default)
    {
        var source = await resolver.GetEndpointsAsync($"http://_{endpoint}.{service}", cancellationToken);
        // Only configured addresses count: the pass-through provider answers an unknown name with the name itself.
        return source.Endpoints.Select(e => e.EndPoint switch
        {
            UriEndPoint uri => uri.Uri,
            IPEndPoint ip => new UriBuilder(Uri.UriSchemeHttp, ip.Address.ToString(), ip.Port).Uri,
            _ => null,
        }).OfType<Uri>().ToList();
    }

    /// <summary>The first address, or an error naming the setting to configure.</summary>
    public async Task<Uri> ResolveAsync(string service, string endpoint = "http", CancellationToken cancellationToken = default) =>
        (await ResolveAllAsync(service, endpoint, cancellationToken)).FirstOrDefault() ?? throw NotConfigured(service, endpoint);

    public static InvalidOperationException NotConfigured(string service, string endpoint) =>
        new($"No address configured for service '{service}' endpoint '{endpoint}': set services__{service}__{endpoint}__0.");
}
