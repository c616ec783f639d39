using System.Text.Json;
using Compute.Service.Application;
using Compute.Service.Catalogue;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Http;

namespace Compute.Service.Apis;

/// <summary>REST for compute targets, API.md's Computes section; the gateway forwards /api/v1/computes* here.</summary>
public static class ComputesApi
{
    public static RouteGroupBuilder MapComputesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/computes").WithTags("Computes").AddEndpointFilter<ComputeProblemFilter>();
        group.MapGet("/", ListAsync);
        group.MapGet("/{name}", GetAsync);
        group.MapPut("/{name}", PutAsync);
        group.MapPost("/{name}/detach", DetachAsync);
        group.MapDelete("/{name}", DeleteAsync);
        return group;
    }

    public static async Task<Ok<ComputeListResponse>> ListAsync(ComputeReader reader, CancellationToken ct) =>
        TypedResults.Ok(new ComputeListResponse((await reader.ListAsync(ct)).Select(ComputeResponse.From).ToList()));

    public static async Task<Ok<ComputeResponse>> GetAsync(string name, ComputeReader reader, CancellationToken ct) =>
        TypedResults.Ok(ComputeResponse.From(await reader.GetAsync(name, ct)));

    public static async Task<Results<Created<ComputeResponse>, Ok<ComputeResponse>, ValidationProblem>> PutAsync(
        string name, HttpRequest request, ComputeTargetService computes, ComputeReader reader, VmSizeCatalogue catalogue, CancellationToken ct)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Problems.Invalid("body", $"is not valid JSON: {ex.Message}");
        }
        var spec = ComputeRequestReader.Read(name, body, catalogue);
        var (saved, created) = await computes.CreateOrUpdateAsync(name, spec, ct);
        var view = ComputeResponse.From(await reader.GetAsync(saved, ct));
        return created ? TypedResults.Created($"/api/v1/computes/{Uri.EscapeDataString(saved)}", view) : TypedResults.Ok(view);
    }

    public static async Task<NoContent> DetachAsync(string name, ComputeTargetService computes, CancellationToken ct)
    {
        await computes.RemoveAsync(name, detach: true, ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> DeleteAsync(string name, ComputeTargetService computes, CancellationToken ct)
    {
        await computes.RemoveAsync(name, detach: false, ct);
        return TypedResults.NoContent();
    }
}
