using Inference.Service.Apis;
using Contracts.Inference;
using Contracts.Node.V1;
using ServiceDefaults.Grpc;
using Inference.Service.Diagnostics;
using Inference.Service.Grpc;
using Inference.Service.Models;
using Inference.Service.Runtime;
using ServiceDefaults.Configuration;
using ServiceDefaults.Security;

namespace Inference.Service.Extensions;

public static class InferenceNodeExtensions
{
    /// <summary>ONNX Runtime, the model repository, the batch schedulers and their metrics.</summary>
    public static IHostApplicationBuilder AddInferenceNode(this IHostApplicationBuilder builder)
    {
        ReserveThreadsBesideBlockingRuns();
        builder.AddNodeTransport();
        builder.AddValidatedOptions<InferenceOptions>(InferenceOptions.Section);
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<ModelRepository>();
        builder.Services.AddSingleton<InferenceExecutor>();
        builder.Services.AddSingleton<NodeControl>();
        builder.Services.AddSingleton<GpuInventory>();
        builder.Services.AddHostedService<RuntimeLoader>();
        // After the runtime, before registration with Compute: the node reports its preloaded models from the start.
        builder.Services.AddHostedService<ModelPreloader>();
        builder.AddPlatformGrpc(options =>
        {
            options.MaxReceiveMessageSize = Contracts.Clients.GrpcChannels.MaxMessageBytes;
            options.MaxSendMessageSize = Contracts.Clients.GrpcChannels.MaxMessageBytes;
        });
        builder.Services.AddSingleton<KServeGrpcService>();
        builder.Services.AddSingleton<InferenceNodeGrpcService>();
        builder.AddComputeRegistration();
        // Only the platform (gateway, deploy) may call a node; users come in through the gateway.
        builder.AddPlatformAuthentication();
        return builder;
    }

    /// <summary>
    /// ONNX Runtime's Run blocks its calling thread for the whole computation. On a 2-core machine two such calls hold
    /// every thread-pool thread the pool starts with, and Kestrel then admits no request (so queue limits and deadlines
    /// go unseen) until the pool slowly injects more. Starting with headroom keeps request handling going beside compute.
    /// </summary>
    private static void ReserveThreadsBesideBlockingRuns()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount * 8), io);
    }

    /// <summary>Registration and heartbeats to Compute.Service, when its gRPC address is configured.</summary>
    public static IHostApplicationBuilder AddComputeRegistration(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["services:compute:grpc:0"])) return builder;
        builder.Services.AddServiceGrpcClient<Contracts.Clients.ComputeClient>("compute");
        builder.Services.AddHostedService<Registration.ComputeRegistration>();
        return builder;
    }

    /// <summary>The data plane (KServe v2 REST, Azure ML scoring) KServe v2 gRPC, and node control over gRPC and REST.</summary>
    public static IEndpointRouteBuilder MapInferenceApis(this IEndpointRouteBuilder app)
    {
        app.MapKServeRestApi();
        app.MapModelRepositoryApi();
        app.MapScoreApi();
        app.MapNodeAdminApi();
        app.MapGrpcService<KServeGrpcService>();
        app.MapGrpcService<InferenceNodeGrpcService>();
        app.MapPlatformGrpcDefaults();
        return app;
    }
}
