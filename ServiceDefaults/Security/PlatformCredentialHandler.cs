namespace ServiceDefaults.Security;

/// <summary>
/// Adds the <see cref="PlatformCredential"/> to every request sent through it (calls into nodes and services) that does
/// not already carry an <c>Authorization</c> header (a gRPC call may set it as metadata).
/// </summary>
public sealed class PlatformCredentialHandler(PlatformCredential credential) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Authorize(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Authorize(request);
        return base.Send(request, cancellationToken);
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (!request.Headers.Contains("Authorization")) request.Headers.TryAddWithoutValidation("Authorization", credential.AuthorizationHeader);
    }
}
