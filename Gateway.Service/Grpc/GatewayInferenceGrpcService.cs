using System.Diagnostics;
using Contracts.Inference;
using Gateway.Service.Auth;
using Gateway.Service.Configuration;
using Gateway.Service.Routing;
using Gateway.Service.Telemetry;
using Contracts.Clients;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Gateway.Service.Grpc;

/// <summary>
/// KServe v2 <c>inference.GRPCInferenceService</c> on the gateway's gRPC port. The "model" is the endpoint; metadata
/// <c>authorization</c> carries the key or token and <c>azureml-model-deployment</c> pins a deployment, exactly as
/// on REST. ModelInfer is forwarded to the chosen replica's node over the process's channel to that node (with the
/// node-local model name, the platform credential and the caller's deadline), and the answer comes back under the
/// endpoint's name.
/// </summary>
public sealed class GatewayInferenceGrpcService(
    RoutingTableCache routing,
    RoutingTableRefresher refresher,
    EndpointAuthenticator authenticator,
    ReplicaBalancer balancer,
    GatewayMetrics metrics,
    PlatformCredential credential,
    IOptions<GatewayOptions> options) : GRPCInferenceService.GRPCInferenceServiceBase
{
    // Nodes answer only calls carrying the platform credential; the metadata is only read by the channel.
    private readonly Metadata _nodeCredential = new() { { "authorization", credential.AuthorizationHeader } };

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = routing.IsLoaded });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = "platform-gateway", Version = "2" };
        response.Extensions.Add("binary_tensor_data");
        return Task.FromResult(response);
    }

    public override async Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        var endpoint = await AuthenticateAsync(request.Name, context);
        return new ModelReadyResponse { Ready = endpoint.HasHealthyDeployment };
    }

    public override async Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var endpoint = await AuthenticateAsync(request.Name, context);
        var deployment = endpoint.DescribingDeployment;
        var response = new ModelMetadataResponse { Name = endpoint.Name, Platform = "onnxruntime_onnx" };
        response.Versions.AddRange(endpoint.Deployments.Values.Select(d => d.Model).Distinct());
        if (deployment is not null)
        {
            response.Inputs.AddRange(deployment.Inputs.Select(Describe));
            response.Outputs.AddRange(deployment.Outputs.Select(Describe));
        }
        return response;
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var endpointName = request.ModelName;
        string? deploymentName = null;
        var status = StatusCode.OK;
        try
        {
            var endpoint = await AuthenticateAsync(endpointName, context);
            var selection = DeploymentSelector.Select(endpoint, context.RequestHeaders.GetValue(DeploymentSelector.PinHeader));
            if (selection.FailureStatus == StatusCodes.Status503ServiceUnavailable
                && await refresher.RecheckAsync(endpoint.Name, context.CancellationToken) is not null)
            {
                endpoint = await AuthenticateAsync(endpointName, context);
                selection = DeploymentSelector.Select(endpoint, context.RequestHeaders.GetValue(DeploymentSelector.PinHeader));
            }
            if (!selection.Succeeded)
                throw new RpcException(new Status(selection.FailureStatus == 404 ? StatusCode.NotFound : StatusCode.Unavailable, selection.FailureReason!));
            var deployment = selection.Deployment!;
            deploymentName = deployment.Name;

            var limit = endpoint.MaxBodyBytes > 0 ? endpoint.MaxBodyBytes : options.Value.DefaultMaxBodyBytes;
            if (request.CalculateSize() > limit)
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The request is larger than the {limit} bytes endpoint '{endpoint.Name}' accepts."));

            var replica = balancer.Choose(deployment.GrpcReplicas)
                ?? throw new RpcException(new Status(StatusCode.Unavailable, $"Deployment '{deployment.Name}' has no replica reachable over gRPC."));

            // The node gets the node-local model name; the client's request object is not shared, so it is reused.
            request.ModelName = deployment.NodeModelName;
            var deadline = DateTime.UtcNow + options.Value.RequestTimeout;
            if (context.Deadline < deadline) deadline = context.Deadline;

            ModelInferResponse response;
            using (balancer.Begin(replica))
            {
                var node = new GRPCInferenceService.GRPCInferenceServiceClient(GrpcChannels.ForAddress(replica.GrpcAddress!));
                response = await node.ModelInferAsync(request,
                    new CallOptions(headers: _nodeCredential, deadline: deadline, cancellationToken: context.CancellationToken));
            }
            response.ModelName = endpoint.Name;
            await context.WriteResponseHeadersAsync(new Metadata { { DeploymentSelector.PinHeader, deployment.Name } });
            return response;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            var known = routing.Current.Find(endpointName) is not null;
            metrics.Request(known ? endpointName : "", deploymentName, "grpc", HttpStatusFor(status), Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Unknown endpoint and wrong credential give the same UNAUTHENTICATED, revealing nothing.</summary>
    private async Task<EndpointRoute> AuthenticateAsync(string endpointName, ServerCallContext context)
    {
        var endpoint = routing.Current.Find(endpointName);
        if (!await authenticator.IsAllowedAsync(endpoint, context.RequestHeaders.GetValue("authorization")))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid credential is required."));
        return endpoint!;
    }

    private static ModelMetadataResponse.Types.TensorMetadata Describe(TensorDescription tensor)
    {
        var t = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        t.Shape.AddRange(tensor.Shape);
        return t;
    }

    /// <summary>gRPC statuses recorded on the same scale as REST, so one dashboard shows both.</summary>
    private static int HttpStatusFor(StatusCode status) => status switch
    {
        StatusCode.OK => 200,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Cancelled => 499,
        StatusCode.Unavailable => 503,
        StatusCode.DeadlineExceeded => 504,
        _ => 500,
    };
}
