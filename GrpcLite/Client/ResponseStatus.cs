using System.Net;
using System.Net.Http.Headers;
using GrpcLite.Protocol;

namespace GrpcLite.Client;

/// <summary>Reads a call's status from a response: HTTP status, trailers-only headers, or trailers.</summary>
internal static class ResponseStatus
{
    /// <summary>
    /// A status decided by the response headers alone: a non-200 HTTP status, a non-gRPC content
    /// type, or a trailers-only response. Null when messages and trailers follow.
    /// </summary>
    public static Status? FromHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Status(FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
        }
        if (TryGetStatus(response.Headers, out var status))
        {
            return status;
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
        }
        return null;
    }

    /// <summary>The status in the trailers; a response without one is a protocol error.</summary>
    public static Status FromTrailers(HttpResponseMessage response) =>
        TryGetStatus(response.TrailingHeaders, out var status)
            ? status
            : new Status(StatusCode.Internal, "Bad gRPC response. Response did not have a grpc-status trailer.");

    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                MetadataHeaders.AddValues(metadata, name, value);
            }
        }
        return metadata;
    }

    private static bool TryGetStatus(HttpHeaders headers, out Status status)
    {
        status = default;
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var codes))
        {
            return false;
        }
        var codeText = codes.Count > 0 ? codes.ToString() : "";
        if (!int.TryParse(codeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            status = new Status(StatusCode.Unknown, $"Bad gRPC response. Invalid grpc-status value: {codeText}");
            return true;
        }
        var detail = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? GrpcMessageEncoding.Decode(messages.ToString())
            : "";
        status = new Status((StatusCode)code, detail);
        return true;
    }

    /// <summary>The gRPC spec's mapping for responses that are not gRPC at all.</summary>
    private static StatusCode FromHttpStatus(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
