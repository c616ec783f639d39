using Microsoft.AspNetCore.Http.Metadata;
using Registry.Service.Blobs;
using Registry.Service.Models;
using ServiceDefaults.Http;

namespace Registry.Service.Apis;

/// <summary>
/// Streams one file of a version from the blob store, checking its sha256 on the way. A corrupt blob found before the
/// first byte goes out is answered 500; found later, the connection is aborted so the client never sees a complete
/// body (the last chunk is held back until the check passes).
/// </summary>
public sealed class BlobFileResult(BlobStore blobs, ModelFile file, ILogger logger) : IResult, IEndpointMetadataProvider
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "application/octet-stream";
        response.ContentLength = file.Size;
        response.Headers.ETag = $"\"{file.Sha256}\"";
        // RFC 9530: the representation's digest, for clients that check what they downloaded.
        response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(file.Sha256))}:";
        response.Headers.ContentDisposition = $"attachment; filename=\"{Path.GetFileName(file.Path).Replace("\"", "")}\"";
        try
        {
            await VerifiedBlobReader.CopyAsync(blobs, file.Sha256, file.Size,
                (chunk, _, ct) => response.Body.WriteAsync(chunk, ct), httpContext.RequestAborted);
        }
        catch (BlobCorruptException ex)
        {
            logger.LogError(ex, "File {Path} of {Model}:{Version} is corrupt on disk", file.Path, file.Name, file.Version);
            if (response.HasStarted)
            {
                httpContext.Abort();
                return;
            }
            response.Clear();
            await Problems.Status(StatusCodes.Status500InternalServerError, title: "Stored file is corrupt",
                detail: $"The stored copy of '{file.Path}' failed its sha256 check; re-register the model.").ExecuteAsync(httpContext);
        }
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), ["application/octet-stream"]));
}
