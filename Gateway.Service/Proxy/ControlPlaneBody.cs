using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ServiceDefaults.Http;

namespace Gateway.Service.Proxy;

/// <summary>
/// What the gateway accepts as a control-plane request body before forwarding it: JSON (within
/// <see cref="MaxJsonBytes"/>) or, for uploads, multipart/form-data (the owning service enforces its own, larger limit).
/// Anything else is refused with 415 here, so a service never parses a body it was not meant to get.
/// </summary>
public static class ControlPlaneBody
{
    /// <summary>Control-plane JSON documents are small; a larger one is refused before a byte of it is forwarded.</summary>
    public const long MaxJsonBytes = 1024 * 1024;

    public static bool IsPresent(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>Null when the body may be forwarded (its size limit set on Kestrel), else the problem to answer.</summary>
    public static IResult? Check(HttpContext context)
    {
        var request = context.Request;
        long? limit;
        if (IsJson(request.ContentType)) limit = MaxJsonBytes;
        else if (IsMultipart(request.ContentType)) limit = null;
        else
            return Problems.Status(
                detail: $"The control plane takes application/json bodies (multipart/form-data for uploads), not '{request.ContentType ?? "(none)"}'.",
                status: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");

        if (limit is { } max && request.ContentLength > max)
            return Problems.Status(detail: $"The request body is larger than the {max} bytes a control-plane JSON document may have.",
                status: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large");
        // Kestrel enforces the limit on a chunked body as it is read (a BadHttpRequestException 413, mapped by
        // ServiceDefaults' ClientFaultExceptionHandler); uploads are bounded by the owning service instead.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        return null;
    }

    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType.HasValue &&
        (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         type.MediaType.Value!.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
}
