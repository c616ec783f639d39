using GrpcLite.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace GrpcLite.Server;

/// <summary>The HTTP side of a gRPC call: which requests qualify, the response headers, and the final status.</summary>
internal static class GrpcTransport
{
    /// <summary>
    /// gRPC needs HTTP/2 and a gRPC content type. Anything else gets a plain HTTP error: the
    /// caller is not a gRPC client, so a gRPC status would mean nothing to it.
    /// </summary>
    public static bool TryAccept(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!HttpMethods.IsPost(request.Method) || !GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return false;
        }
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            httpContext.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            httpContext.Response.Headers.Upgrade = "h2c";
            return false;
        }
        return true;
    }

    public static void PrepareResponse(HttpContext httpContext, bool unlimitedRequestBody)
    {
        var response = httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;

        if (unlimitedRequestBody)
        {
            // Streams are bounded per message (MaxReceiveMessageSize), not as a whole, and may idle.
            if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            {
                sizeFeature.MaxRequestBodySize = null;
            }
            if (httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rateFeature)
            {
                rateFeature.MinDataRate = null;
            }
        }
    }

    /// <summary>
    /// Ends the call with its status. Before anything was sent, the status goes in the response
    /// headers and the stream ends with them ("trailers-only"); otherwise it goes in trailers.
    /// </summary>
    public static void WriteStatus(HttpContext httpContext, ServerCallContext call, Status status)
    {
        var response = httpContext.Response;
        var trailersOnly = !response.HasStarted && !call.ResponseBodyWritten && !call.ResponseHeadersWritten;
        if (trailersOnly)
        {
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = StatusText((int)status.StatusCode);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = GrpcMessageEncoding.Encode(status.Detail);
            }
            if (call.HasResponseTrailers)
            {
                MetadataHeaders.CopyTo(call.ResponseTrailers, headers);
            }
            return;
        }

        if (!response.SupportsTrailers())
        {
            // Only HTTP/1.x lacks trailers, and TryAccept already turned that away.
            throw new InvalidOperationException("The response does not support trailers.");
        }
        response.AppendTrailer(GrpcProtocol.StatusHeader, StatusText((int)status.StatusCode));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcMessageEncoding.Encode(status.Detail));
        }
        if (call.HasResponseTrailers)
        {
            foreach (var entry in call.ResponseTrailers)
            {
                response.AppendTrailer(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }
    }

    private static readonly string[] StatusTexts = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string StatusText(int code) =>
        (uint)code < StatusTexts.Length ? StatusTexts[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
