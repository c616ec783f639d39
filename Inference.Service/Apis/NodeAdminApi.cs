using Contracts.Node.V1;
using Google.Protobuf;
using Inference.Service.Models;
using ServiceDefaults.Http;

namespace Inference.Service.Apis;

/// <summary>
/// The node.v1 control operations over REST (JSON in the protobuf JSON mapping), for people with curl and for tests;
/// services use the gRPC InferenceNode service.
/// </summary>
public static class NodeAdminApi
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static IEndpointRouteBuilder MapNodeAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Node control");
        admin.MapGet("/status", (NodeControl control) => Proto(control.Status()));
        admin.MapGet("/models", (NodeControl control) => Proto(control.List()));
        admin.MapPut("/models/{model}", LoadModel);
        // What a scoring-script model's workers printed, each line with its instance: the deployment's logs.
        admin.MapGet("/models/{model}/logs", (string model, ModelRepository models, int? tail) => models.Find(model) is { Scripts: { } scripts }
            ? TypedResults.Text(string.Join('\n', scripts.Log.Tail(Math.Clamp(tail ?? 200, 1, 2000))) + "\n")
            : (IResult)Problems.NotFound($"No scoring-script model '{model}' is loaded on this node."));
        admin.MapDelete("/models/{model}", async (string model, NodeControl control) => await control.UnloadAsync(model)
            ? TypedResults.NoContent()
            : (IResult)Problems.NotFound($"Model '{model}' is not loaded on this node."));
        return app;
    }

    private static async Task<IResult> LoadModel(string model, HttpRequest http, NodeControl control, CancellationToken cancellation)
    {
        LoadModelRequest request;
        try
        {
            using var reader = new StreamReader(http.Body);
            request = Parser.Parse<LoadModelRequest>(await reader.ReadToEndAsync(cancellation));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Problems.Invalid("body", e.Message);
        }
        request.ModelName = model;
        try
        {
            return Proto(new LoadModelResponse { Model = await control.LoadAsync(request, cancellation) });
        }
        catch (Exception e)
        {
            return InferenceProblems.FromLoad(e);
        }
    }

    private static IResult Proto(IMessage message) => TypedResults.Text(Formatter.Format(message), "application/json");
}
