using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Registry.Service.Blobs;
using Registry.Service.Models;
using ServiceDefaults.Http;

namespace Registry.Service.Apis;

/// <summary>
/// Reads a registration's multipart/form-data body part by part, streaming each file part straight into the blob
/// store's temporary folder (no buffering of whole files in memory or in ASP.NET's form cache). Problems with fields
/// are collected on the returned <see cref="ModelUpload"/>; a body over the size limit throws <see cref="UploadTooLargeException"/>.
/// </summary>
public static class ModelUploadReader
{
    private const int MaxFieldLength = 64 * 1024;
    private static readonly string[] ModelFields = ["name", "description", "tags", "framework"];

    public static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
        && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
        && !StringSegment.IsNullOrEmpty(HeaderUtilities.RemoveQuotes(mediaType.Boundary));

    /// <summary>
    /// Reads a registration's body, or says why it cannot: 415 when it is not multipart (<paramref name="expected"/>
    /// says what it should be), 413 over the limit, 400 when malformed or broken off (what was staged is deleted then).
    /// </summary>
    public static async Task<(ModelUpload? Upload, ProblemHttpResult? Problem)> ReadRegistrationAsync(
        HttpRequest request, BlobStore blobs, long limit, string expected, CancellationToken cancellationToken, IReadOnlyList<string>? textFields = null)
    {
        if (!IsMultipart(request))
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: expected));
        try
        {
            return (await ReadAsync(request, blobs, limit, cancellationToken, textFields), null);
        }
        catch (UploadTooLargeException ex)
        {
            return (null, Problems.Status(StatusCodes.Status413PayloadTooLarge, title: "Upload too large",
                detail: $"The files of one registration may hold at most {ex.Limit} bytes together."));
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, Problems.Status(StatusCodes.Status400BadRequest, title: "Malformed upload",
                detail: $"The multipart body could not be read to its end: {ex.Message}"));
        }
    }

    /// <param name="textFields">The text fields the caller takes (a model's by default; an environment takes fewer).</param>
    public static async Task<ModelUpload> ReadAsync(
        HttpRequest request, BlobStore blobs, long limit, CancellationToken cancellationToken, IReadOnlyList<string>? textFields = null)
    {
        textFields ??= ModelFields;
        // Kestrel's default 30 MB cap would cut models short; our own budget below enforces the registry's limit.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = null;
        // Headers and form fields cost a little beyond the file bytes; anything announcing much more is refused unread.
        if (request.ContentLength > limit + MaxFieldLength * textFields.Count + 1024 * 1024) throw new UploadTooLargeException(limit);

        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        var budget = new UploadBudget(limit);
        var upload = new ModelUpload();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    upload.AddError("body", "Every part needs a 'Content-Disposition: form-data' header with a name.");
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                var fileName = disposition.FileNameStar.HasValue
                    ? disposition.FileNameStar.Value
                    : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;

                if (fileName is not null || field == ModelRegistrar.FileField)
                    await ReadFileAsync(upload, field, fileName, section.Body, blobs, budget, cancellationToken);
                else
                    await ReadTextFieldAsync(upload, field, section.Body, seen, textFields, cancellationToken);
            }
            return upload;
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    private static async Task ReadFileAsync(
        ModelUpload upload, string field, string? fileName, Stream body, BlobStore blobs, UploadBudget budget, CancellationToken cancellationToken)
    {
        // Staged even when something is wrong with it, so the whole body is read and every problem reported at once.
        var blob = await blobs.StageAsync(body, budget, cancellationToken);
        if (field != ModelRegistrar.FileField)
        {
            blob.Dispose();
            upload.AddError(field.Length == 0 ? "body" : field, $"Files must be sent in parts named '{ModelRegistrar.FileField}'.");
            return;
        }
        var (path, error) = ModelRules.NormalizePath(fileName);
        if (path is null)
        {
            blob.Dispose();
            upload.AddError(ModelRegistrar.FileField, error!);
            return;
        }
        upload.Files.Add(new UploadedFile(path, blob));
    }

    private static async Task ReadTextFieldAsync(
        ModelUpload upload, string field, Stream body, HashSet<string> seen, IReadOnlyList<string> textFields, CancellationToken cancellationToken)
    {
        var key = field.Length == 0 ? "body" : field;
        if (!textFields.Contains(field))
        {
            upload.AddError(key, $"Unknown field; a registration takes {string.Join(", ", textFields)} and '{ModelRegistrar.FileField}' parts.");
            await body.CopyToAsync(Stream.Null, cancellationToken);
            return;
        }
        if (!seen.Add(field))
        {
            upload.AddError(field, "The field is given more than once.");
            await body.CopyToAsync(Stream.Null, cancellationToken);
            return;
        }

        var text = await ReadLimitedTextAsync(body, cancellationToken);
        if (text is null)
        {
            upload.AddError(field, $"The field is longer than {MaxFieldLength} bytes.");
            return;
        }
        switch (field)
        {
            case "name": upload.Name = text; break;
            case "description": upload.Description = text; break;
            case "framework":
                if (text.Length == 0) upload.AddError(field, "The framework must not be empty; leave the field out for the default (onnx).");
                else upload.Framework = text;
                break;
            case "tags":
                if (ParseTags(text) is { } tags) upload.Tags = tags;
                else upload.AddError(field, """The tags must be a JSON object whose values are strings, e.g. {"stage": "prod"}.""");
                break;
        }
    }

    /// <summary>Reads a text part as UTF-8; null when longer than the field limit.</summary>
    private static async Task<string?> ReadLimitedTextAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxFieldLength)
            {
                await body.CopyToAsync(Stream.Null, cancellationToken);
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A JSON object of string values, or null when the text is anything else.</summary>
    public static Dictionary<string, string>? ParseTags(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(text);
            return ReadTags(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Dictionary<string, string>? ReadTags(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String) return null;
            tags[property.Name] = property.Value.GetString()!;
        }
        return tags;
    }
}
