using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Registry.Service.Blobs;
using Registry.Service.Models;
using ServiceDefaults.Http;

namespace Registry.Service.Apis;

/// <summary>The Models section of API.md under /api/v1/models (the gateway forwards to it after checking the admin key).</summary>
public static class ModelsApi
{
    private const int DefaultListLimit = 100, MaxListLimit = 1000;

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/models").WithTags("Models");
        api.MapPost("", RegisterAsync);
        api.MapGet("", ListAsync);
        api.MapGet("/{name}/versions", ListVersionsAsync);
        api.MapGet("/{name}/versions/{version}", GetVersionAsync);
        api.MapPatch("/{name}/versions/{version}", UpdateAsync);
        api.MapDelete("/{name}/versions/{version}", DeleteAsync);
        api.MapGet("/{name}/versions/{version}/files", ListFilesAsync);
        api.MapGet("/{name}/versions/{version}/files/{*path}", DownloadFileAsync);
        api.MapGet("/{name}/versions/{version}/download", DownloadAllAsync);
        return app;
    }

    public static async Task<Results<Created<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        HttpRequest request, ModelRegistrar registrar, BlobStore blobs, IOptions<RegistryOptions> options, CancellationToken cancellationToken)
    {
        var (upload, problem) = await ModelUploadReader.ReadRegistrationAsync(request, blobs, options.Value.MaxUploadBytes,
            "A model is registered with a multipart/form-data body (fields name, description, tags, framework and file parts).", cancellationToken);
        if (upload is null) return problem!;
        using (upload)
        {
            var version = await registrar.RegisterAsync(upload, cancellationToken);
            if (version is null) return Problems.Invalid(upload.ErrorsAsArrays());
            return TypedResults.Created($"/api/v1/models/{Uri.EscapeDataString(version.Name)}/versions/{version.Version}",
                ModelVersionResponse.From(version));
        }
    }

    public static async Task<Results<Ok<List<ModelVersionResponse>>, ValidationProblem>> ListAsync(
        ModelCatalog catalog, [FromQuery] string? name, [FromQuery(Name = "tag")] string[]? tag, [FromQuery] string? limit,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (name is not null && ModelRules.CheckName(name) is { } nameError) errors["name"] = [nameError];
        var filters = new List<TagFilter>();
        foreach (var text in tag ?? [])
        {
            if (TagFilter.TryParse(text, out var filter, out var error)) filters.Add(filter!);
            else errors["tag"] = [.. errors.GetValueOrDefault("tag") ?? [], error!];
        }
        var take = DefaultListLimit;
        if (limit is not null && (!int.TryParse(limit, out take) || take is < 1 or > MaxListLimit))
            errors["limit"] = [$"The limit must be a whole number from 1 to {MaxListLimit}."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var versions = await catalog.ListAsync(name, filters, take, cancellationToken);
        return TypedResults.Ok(versions.Select(ModelVersionResponse.From).ToList());
    }

    public static async Task<Results<Ok<List<ModelVersionResponse>>, ValidationProblem, ProblemHttpResult>> ListVersionsAsync(
        string name, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        if (ModelRules.CheckName(name) is { } nameError) return Problems.Invalid("name", nameError);
        var versions = await catalog.ListAsync(name, [], MaxListLimit, cancellationToken);
        return versions.Count == 0
            ? UnknownModel(name)
            : TypedResults.Ok(versions.Select(ModelVersionResponse.From).ToList());
    }

    public static async Task<Results<Ok<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> GetVersionAsync(
        string name, string version, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        var found = await catalog.FindAsync(name, selector, cancellationToken);
        return found is null ? UnknownVersion(name, selector) : TypedResults.Ok(ModelVersionResponse.From(found));
    }

    public static async Task<Results<Ok<List<ModelFileResponse>>, ValidationProblem, ProblemHttpResult>> ListFilesAsync(
        string name, string version, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        var found = await catalog.FindAsync(name, selector, cancellationToken);
        return found is null ? UnknownVersion(name, selector) : TypedResults.Ok(ModelVersionResponse.From(found).Files.ToList());
    }

    public static async Task<Results<BlobFileResult, ValidationProblem, ProblemHttpResult>> DownloadFileAsync(
        string name, string version, string path, ModelCatalog catalog, BlobStore blobs, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        var found = await catalog.FindAsync(name, selector, cancellationToken);
        if (found is null) return UnknownVersion(name, selector);
        var file = found.Files.FirstOrDefault(f => f.Path == path);
        if (file is null)
            return Problems.NotFound( title: "Unknown file",
                detail: $"Model {found.Id} has no file '{path}'.");
        return new BlobFileResult(blobs, file, loggers.CreateLogger(typeof(BlobFileResult)));
    }

    /// <summary>All files of a version as one zip archive.</summary>
    public static async Task<Results<ZipDownloadResult, ValidationProblem, ProblemHttpResult>> DownloadAllAsync(
        string name, string version, ModelCatalog catalog, BlobStore blobs, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        var found = await catalog.FindAsync(name, selector, cancellationToken);
        return found is null ? UnknownVersion(name, selector) : new ZipDownloadResult(blobs, found, loggers.CreateLogger(typeof(ZipDownloadResult)));
    }

    /// <summary>JSON merge semantics: a field that is present replaces the stored one (tags as a whole); absent fields stay.</summary>
    public static async Task<Results<Ok<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string name, string version, HttpRequest request, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        var errors = new Dictionary<string, string[]>();
        string? description = null;
        Dictionary<string, string>? tags = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Problems.Invalid("body", "The body must be a JSON object with description and/or tags.");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "description" when property.Value.ValueKind == JsonValueKind.String:
                        description = property.Value.GetString()!;
                        if (ModelRules.CheckDescription(description) is { } descriptionError) errors["description"] = [descriptionError];
                        break;
                    case "description":
                        errors["description"] = ["The description must be a string."];
                        break;
                    case "tags":
                        tags = ModelUploadReader.ReadTags(property.Value);
                        if (tags is null) errors["tags"] = ["""The tags must be a JSON object whose values are strings, e.g. {"stage": "prod"}."""];
                        else if (ModelRules.CheckTags(tags).ToArray() is { Length: > 0 } tagErrors) errors["tags"] = tagErrors;
                        break;
                    default:
                        errors[property.Name] = ["Unknown field; only description and tags can be changed."];
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            errors["body"] = [$"The body is not valid JSON: {ex.Message}"];
        }
        if (errors.Count > 0) return Problems.Invalid(errors);

        var updated = await catalog.UpdateAsync(name, selector, description, tags, cancellationToken);
        return updated is null ? UnknownVersion(name, selector) : TypedResults.Ok(ModelVersionResponse.From(updated));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string name, string version, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        if (CheckRoute(name, version, out var selector) is { } invalid) return invalid;
        return await catalog.DeleteAsync(name, selector, cancellationToken) switch
        {
            DeleteOutcome.Deleted => TypedResults.NoContent(),
            DeleteOutcome.InUse inUse => Problems.Conflict( title: "Model version in use",
                detail: $"Model {inUse.Id} is used by {string.Join(", ", inUse.Users)}; delete or move those deployments first."),
            _ => UnknownVersion(name, selector),
        };
    }

    private static ValidationProblem? CheckRoute(string name, string version, out VersionSelector selector)
    {
        var errors = new Dictionary<string, string[]>();
        if (ModelRules.CheckName(name) is { } nameError) errors["name"] = [nameError];
        if (!VersionSelector.TryParse(version, out selector)) errors["version"] = [VersionSelector.Rule];
        return errors.Count > 0 ? Problems.Invalid(errors) : null;
    }

    private static ProblemHttpResult UnknownModel(string name) =>
        Problems.NotFound( title: "Unknown model", detail: $"No model named '{name}' is registered.");

    private static ProblemHttpResult UnknownVersion(string name, VersionSelector selector) =>
        Problems.NotFound( title: "Unknown model version",
            detail: selector.IsLatest ? $"No model named '{name}' is registered." : $"Model '{name}' has no version {selector}.");
}
