using System.Buffers;
using System.Text.Json;
using Inference.Service.Models;
using Inference.Service.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Inference.Service.Runtime;
using ServiceDefaults.Http;

namespace Inference.Service.Apis;

/// <summary>The KServe v2 / Open Inference Protocol over REST.</summary>
public static class KServeRestApi
{
    public const string Platform = "onnxruntime_onnx";

    public static IEndpointRouteBuilder MapKServeRestApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("KServe v2");
        v2.MapGet("/", ServerMetadata);
        v2.MapGet("/health/live", () => TypedResults.Ok(new { live = true }));
        v2.MapGet("/health/ready", ServerReady);
        v2.MapGet("/models/{model}", ModelMetadata);
        v2.MapGet("/models/{model}/versions/{version}", (string model, ModelRepository models) => ModelMetadata(model, models));
        v2.MapGet("/models/{model}/ready", ModelReady);
        // Measured per model by platform.inference.request.duration instead (as /score: Apis/ScoreApi.cs).
        v2.MapPost("/models/{model}/infer", Infer).DisableHttpMetrics();
        v2.MapPost("/models/{model}/versions/{version}/infer", (string model, HttpContext context, InferenceExecutor executor) => Infer(model, context, executor))
            .DisableHttpMetrics();
        return app;
    }

    public static object ServerMetadataBody => new { name = "inference", version = OrtRuntime.Version, extensions = new[] { "binary_tensor_data", "model_repository" } };

    private static Ok<object> ServerMetadata() => TypedResults.Ok(ServerMetadataBody);

    private static Results<Ok<object>, ProblemHttpResult> ServerReady() => OrtRuntime.IsLoaded
        ? TypedResults.Ok<object>(new { ready = true })
        : Problems.Unavailable("The ONNX Runtime library is not loaded.");

    private static IResult ModelMetadata(string model, ModelRepository models)
    {
        try
        {
            var loaded = models.GetReady(model);
            return TypedResults.Ok(new
            {
                name = loaded.Name,
                versions = string.IsNullOrEmpty(loaded.Version) ? Array.Empty<string>() : [loaded.Version],
                platform = Platform,
                inputs = loaded.Inputs.Select(Describe),
                outputs = loaded.Outputs.Select(Describe),
            });
        }
        catch (Exception e)
        {
            return InferenceProblems.From(e);
        }
    }

    private static object Describe(TensorInfo t) => new { name = t.Name, datatype = DataTypes.ToKServe(t.ElementType) ?? t.ElementType.ToString(), shape = t.Shape };

    private static IResult ModelReady(string model, ModelRepository models) => models.Find(model) switch
    {
        null => Problems.NotFound($"Model '{model}' is not loaded on this node."),
        { IsReady: true } => TypedResults.Ok(new { name = model, ready = true }),
        var m => Problems.Unavailable(m.Error ?? "not ready", $"Model '{model}' is {m.State}"),
    };

    private static async Task<IResult> Infer(string model, HttpContext context, InferenceExecutor executor)
    {
        var cancellation = context.RequestAborted;
        using var body = await RequestBody.ReadAsync(context.Request, cancellation);
        var jsonLength = body.Length;
        if (context.Request.Headers.TryGetValue(KServeJson.HeaderLengthHeader, out var header))
        {
            if (!int.TryParse(header, out jsonLength) || jsonLength < 0 || jsonLength > body.Length)
                return Problems.Invalid(KServeJson.HeaderLengthHeader, $"Must be a byte count between 0 and the body length {body.Length}; got '{header}'.");
        }

        InferenceRequest? request = null;
        try
        {
            var (loaded, outputs) = await executor.InferAsync(model, _ =>
            {
                request = KServeJson.ReadRequest(body.Memory.Span[..jsonLength], body.Memory[jsonLength..]);
                return request.Inputs;
            }, null, cancellation).ConfigureAwait(false);
            // Requested outputs are applied after the run so one Run serves any subset (and batches stay compatible).
            outputs = SelectOutputs(outputs, request!.Outputs, loaded);
            await WriteAsync(context, loaded, request, outputs);
            return TypedResults.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return InferenceProblems.From(e);
        }
    }

    private static Tensor[] SelectOutputs(Tensor[] all, IReadOnlyList<RequestedOutput>? requested, LoadedModel model)
    {
        if (requested is null) return all;
        var selected = new Tensor[requested.Count];
        for (var i = 0; i < requested.Count; i++)
        {
            selected[i] = all.FirstOrDefault(t => t.Name == requested[i].Name)
                ?? throw InvalidInferenceRequestException.For(requested[i].Name,
                    $"The model has no output named '{requested[i].Name}'; its outputs are: {string.Join(", ", model.Outputs.Select(o => o.Name))}.");
        }
        return selected;
    }

    private static async Task WriteAsync(HttpContext context, LoadedModel model, InferenceRequest request, Tensor[] outputs)
    {
        var binary = new bool[outputs.Length];
        for (var i = 0; i < outputs.Length; i++)
            binary[i] = request.Outputs?.FirstOrDefault(o => o.Name == outputs[i].Name)?.Binary == true || request.BinaryOutputs;

        var response = context.Response;
        if (!binary.Any(b => b))
        {
            JsonAnswer.Write(response, (model, request, outputs, binary),
                static (writer, a) => KServeJson.WriteResponse(writer, a.model.Name, a.model.Version, a.request.Id, a.outputs, a.binary));
            return;
        }

        // The header length must be known before the body starts: write the JSON to a buffer first.
        var json = new ArrayBufferWriter<byte>(1024);
        await using (var writer = new Utf8JsonWriter(json))
        {
            var segments = KServeJson.WriteResponse(writer, model.Name, model.Version, request.Id, outputs, binary);
            response.ContentType = "application/octet-stream";
            response.Headers[KServeJson.HeaderLengthHeader] = json.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.ContentLength = json.WrittenCount + segments.Sum(s => (long)s.Length);
            await response.BodyWriter.WriteAsync(json.WrittenMemory);
            foreach (var segment in segments) await response.BodyWriter.WriteAsync(segment);
        }
    }
}
