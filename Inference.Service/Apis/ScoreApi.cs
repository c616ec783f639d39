using Inference.Service.Models;
using Inference.Service.Protocol;

namespace Inference.Service.Apis;

/// <summary>Azure ML style scoring: <c>POST /models/{model}/score</c> with <c>{"data": …}</c>. The gateway forwards <c>/endpoints/{e}/score</c> here.</summary>
public static class ScoreApi
{
    public static IEndpointRouteBuilder MapScoreApi(this IEndpointRouteBuilder app)
    {
        // ASP.NET Core's http.server.request.duration is left out on the scoring routes: platform.inference.request.duration
        // measures the same requests per model, and it is one histogram with its six tags less per request (metrics as a
        // whole were 6.5 % of the node's CPU under scoring load in bench/scoring's profile). The gateway keeps its own.
        app.MapPost("/models/{model}/score", Score).WithTags("Scoring").DisableHttpMetrics();
        return app;
    }

    private static async Task<IResult> Score(string model, HttpContext context, InferenceExecutor executor, ModelRepository models)
    {
        var cancellation = context.RequestAborted;
        if (models.Find(model) is { Scripts: not null }) return await ScriptScoring.ScoreAsync(model, context, executor);
        using var body = await RequestBody.ReadAsync(context.Request, cancellation);
        try
        {
            var (_, outputs) = await executor.InferAsync(model, loaded => ScoreJson.ReadRequest(body.Memory.Span, loaded.Inputs), null, cancellation);
            JsonAnswer.Write(context.Response, outputs, ScoreJson.WriteResponse);
            return TypedResults.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return InferenceProblems.From(e);
        }
    }
}
