using Inference.Service.Apis;
using Inference.Service.Diagnostics;
using Inference.Service.Models;
using ServiceDefaults.Configuration;

namespace Inference.Service.Extensions;

public static class InferenceNodeExtensions
{
    /// <summary>ONNX Runtime, the model repository, the batch schedulers and their metrics.</summary>
    public static IHostApplicationBuilder AddInferenceNode(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<InferenceOptions>(InferenceOptions.Section);
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<ModelRepository>();
        builder.Services.AddSingleton<InferenceExecutor>();
        builder.Services.AddSingleton<NodeControl>();
        builder.Services.AddHostedService<RuntimeLoader>();
        return builder;
    }

    /// <summary>The data plane (KServe v2 REST, Azure ML scoring) and the REST face of node control.</summary>
    public static IEndpointRouteBuilder MapInferenceApis(this IEndpointRouteBuilder app)
    {
        app.MapKServeRestApi();
        app.MapScoreApi();
        app.MapNodeAdminApi();
        return app;
    }
}
