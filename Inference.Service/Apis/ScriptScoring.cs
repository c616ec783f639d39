using Inference.Service.Models;
using Inference.Service.Scripts;

namespace Inference.Service.Apis;

/// <summary>
/// <c>/score</c> for a scoring-script model: the body goes to run() as Azure ML passes it (the JSON text, or the
/// whole request for a @rawhttp script), and run()'s answer comes back as JSON or as the AMLResponse it built
/// (status, headers such as CORS, content type, bytes).
/// </summary>
public static class ScriptScoring
{
    // Headers the transport owns; the script's answer cannot set them.
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Content-Type",
    };

    public static async Task<IResult> ScoreAsync(string model, HttpContext context, InferenceExecutor executor)
    {
        var cancellation = context.RequestAborted;
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellation);
        var call = new ScriptCall(request.Method, request.Path.Value ?? "/", request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            request.Headers.SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v ?? ""))).ToList(), buffer.ToArray());
        try
        {
            var answer = await executor.RunScriptAsync(model, call, cancellation);
            var response = context.Response;
            response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers)
                if (!HopHeaders.Contains(name)) response.Headers[name] = value;
            response.ContentType = answer.ContentType;
            response.ContentLength = answer.Body.Length;
            await response.Body.WriteAsync(answer.Body, cancellation);
            return TypedResults.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return InferenceProblems.From(e);
        }
    }
}
