using Inference.Service.Models;
using ServiceDefaults.Http;

namespace Inference.Service.Apis;

/// <summary>
/// The KServe v2 / Triton model repository extension over REST: what this node can load by name, and loading or
/// unloading one. The repository is every model the node was told to load (node.v1 LoadModel, Inference:Preload).
/// </summary>
public static class ModelRepositoryApi
{
    public static IEndpointRouteBuilder MapModelRepositoryApi(this IEndpointRouteBuilder app)
    {
        var repository = app.MapGroup("/v2/repository").WithTags("KServe v2 model repository");
        repository.MapPost("/index", Index);
        repository.MapPost("/models/{model}/load", Load);
        repository.MapPost("/models/{model}/unload", Unload);
        return app;
    }

    private static IResult Index(ModelRepository models) => TypedResults.Ok(models.Known.Select(name => models.Find(name) switch
    {
        null => new RepositoryEntry(name, "", "UNAVAILABLE", "unloaded"),
        { IsReady: true } m => new RepositoryEntry(name, m.Version, "READY", ""),
        var m => new RepositoryEntry(name, m.Version, m.State == ModelState.Loading ? "LOADING" : "UNAVAILABLE", m.Error ?? m.State.ToString()),
    }).ToList());

    private static async Task<IResult> Load(string model, ModelRepository models, CancellationToken cancellation)
    {
        try
        {
            await models.LoadKnownAsync(model, cancellation);
            return TypedResults.Ok(new { });
        }
        catch (Exception e)
        {
            return InferenceProblems.FromLoad(e);
        }
    }

    private static async Task<IResult> Unload(string model, ModelRepository models) => await models.UnloadAsync(model)
        ? TypedResults.Ok(new { })
        : Problems.NotFound($"Model '{model}' is not loaded on this node.");

    private sealed record RepositoryEntry(string Name, string Version, string State, string Reason);
}
