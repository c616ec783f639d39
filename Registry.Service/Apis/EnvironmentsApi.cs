using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Registry.Service.Blobs;
using Registry.Service.Environments;
using Registry.Service.Models;
using ServiceDefaults.Http;

namespace Registry.Service.Apis;

/// <summary>
/// /api/v1/environments (API.md, "Scoring code"): a name, one spec file (requirements.txt or a conda
/// environment.yml) and optional private wheels as <c>file</c> parts; versions number per name like models'.
/// </summary>
public static class EnvironmentsApi
{
    private const int MaxListLimit = 1000;

    public static IEndpointRouteBuilder MapEnvironmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/environments").WithTags("Environments");
        api.MapPost("", RegisterAsync).WithName("RegisterEnvironment").WithSummary("Register an environment version and queue its build");
        api.MapGet("", ListAsync).WithName("ListEnvironments");
        api.MapGet("/{name}/versions", ListVersionsAsync).WithName("ListEnvironmentVersions");
        api.MapGet("/{name}/versions/{version}", GetVersionAsync).WithName("GetEnvironmentVersion")
            .WithSummary("An environment version with its build state and log");
        return app;
    }

    public static async Task<Results<Created<EnvironmentVersionResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        HttpRequest request, EnvironmentRegistrar registrar, BlobStore blobs, IOptions<RegistryOptions> options, CancellationToken cancellationToken)
    {
        var (upload, problem) = await ModelUploadReader.ReadRegistrationAsync(request, blobs, options.Value.MaxUploadBytes,
            "An environment is registered with a multipart/form-data body (fields name, description and file parts: one requirements.txt or environment.yml, and wheels).",
            cancellationToken, EnvironmentRegistrar.TextFields);
        if (upload is null) return problem!;
        using (upload)
        {
            return await registrar.RegisterAsync(upload, cancellationToken) switch
            {
                EnvironmentRegistration.Registered r => TypedResults.Created(
                    $"/api/v1/environments/{Uri.EscapeDataString(r.Version.Name)}/versions/{r.Version.Version}",
                    EnvironmentVersionResponse.From(r.Version, r.Build)),
                EnvironmentRegistration.QueueFull full => Problems.Status(StatusCodes.Status429TooManyRequests,
                    title: "Build queue full", detail: $"{full.Limit} environment builds are waiting already; register again once some have finished."),
                _ => Problems.Invalid(upload.ErrorsAsArrays()),
            };
        }
    }

    public static async Task<Results<Ok<List<EnvironmentVersionResponse>>, ValidationProblem>> ListAsync(
        EnvironmentCatalog catalog, [FromQuery] string? name, CancellationToken cancellationToken)
    {
        if (name is not null && ModelRules.CheckName(name) is { } nameError)
            return Problems.Invalid("name", nameError);
        var versions = await catalog.ListAsync(name, MaxListLimit, cancellationToken);
        return TypedResults.Ok(versions.Select(v => EnvironmentVersionResponse.From(v.Version, v.Build)).ToList());
    }

    public static async Task<Results<Ok<List<EnvironmentVersionResponse>>, ValidationProblem, ProblemHttpResult>> ListVersionsAsync(
        string name, EnvironmentCatalog catalog, CancellationToken cancellationToken)
    {
        if (ModelRules.CheckName(name) is { } nameError) return Problems.Invalid("name", nameError);
        var versions = await catalog.ListAsync(name, MaxListLimit, cancellationToken);
        return versions.Count == 0
            ? Problems.NotFound( title: "Unknown environment", detail: $"No environment named '{name}' is registered.")
            : TypedResults.Ok(versions.Select(v => EnvironmentVersionResponse.From(v.Version, v.Build)).ToList());
    }

    public static async Task<Results<Ok<EnvironmentVersionResponse>, ValidationProblem, ProblemHttpResult>> GetVersionAsync(
        string name, string version, EnvironmentCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (ModelRules.CheckName(name) is { } nameError) errors["name"] = [nameError];
        if (!VersionSelector.TryParse(version, out var selector)) errors["version"] = [VersionSelector.Rule];
        if (errors.Count > 0) return Problems.Invalid(errors);
        var found = await catalog.FindAsync(name, selector, cancellationToken);
        return found is { } f
            ? TypedResults.Ok(EnvironmentVersionResponse.From(f.Version, f.Build))
            : Problems.NotFound( title: "Unknown environment version",
                detail: selector.IsLatest ? $"No environment named '{name}' is registered." : $"Environment '{name}' has no version {selector}.");
    }
}
