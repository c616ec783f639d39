using System.Runtime.InteropServices;
using Contracts.Inference;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>KServe v2 over gRPC on the gateway's gRPC port: same credentials and routing as REST.</summary>
[Collection(nameof(JourneyCollection))]
public sealed class GrpcJourneyTests(JourneyPlatform journey) : IDisposable
{
    private readonly JourneyClient _user = new(journey.Platform);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task ModelInfer_through_the_gateway_answers_like_the_model_and_refuses_a_wrong_key()
    {
        var v1File = Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx");
        var model = $"journey-grpc-{_suffix}";
        var endpoint = $"grpc-{_suffix}";
        var key = await _user.CreateServingKeyEndpointAsync(endpoint, model, v1File);

        var channel = GrpcChannel.ForAddress(journey.Platform.GatewayGrpcUri);
        var request = new ModelInferRequest { ModelName = endpoint };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "features", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([JourneyClient.Rows.Length, 4]);
        input.Contents.Fp32Contents.AddRange(JourneyClient.Rows.SelectMany(r => r.Select(v => (float)v)));
        request.Inputs.Add(input);

        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        using var call = client.ModelInferAsync(request,
            new CallOptions(new Metadata { { "authorization", $"Bearer {key}" } }, DateTime.UtcNow.AddSeconds(30)));
        var response = await call.ResponseAsync;

        Assert.Equal(endpoint, response.ModelName);
        Assert.Equal("blue", (await call.ResponseHeadersAsync).GetValue("azureml-model-deployment"));
        var values = response.RawOutputContents.Count > 0
            ? MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray()
            : response.Outputs[0].Contents.Fp32Contents.ToArray();
        var expected = JourneyClient.Expected(v1File).SelectMany(r => r).ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], 1e-4);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.ModelInferAsync(request, new CallOptions(new Metadata { { "authorization", "Bearer wrong" } })));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    [Fact]
    public async Task Control_plane_services_on_the_gateway_grpc_port_answer_the_admin_key_only()
    {
        var model = $"journey-cp-{_suffix}";
        var version = await _user.RegisterModelAsync(model, Path.Combine(JourneyClient.ModelsDirectory, "v1.onnx"));
        var channel = GrpcChannel.ForAddress(journey.Platform.GatewayGrpcUri);
        var admin = new CallOptions(new Metadata { { "authorization", $"Bearer {journey.Platform.AdminKey}" } }, DateTime.UtcNow.AddSeconds(30));

        var registry = new Contracts.Registry.V1.Registry.RegistryClient(channel);
        var resolved = await registry.ResolveModelAsync(new() { Name = model, Version = "latest" }, admin);
        Assert.Equal(version, resolved.Version);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await registry.ResolveModelAsync(new() { Name = model + "-none", Version = "1" }, admin));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains(model + "-none", unknown.Status.Detail);

        var computes = await new Contracts.Compute.V1.Compute.ComputeClient(channel).ListComputesAsync(new(), admin);
        Assert.NotEmpty(computes.Computes);
        var table = await new Contracts.Deploy.V1.Deploy.DeployClient(channel).GetRoutingTableAsync(new(), admin);
        Assert.True(table.Version >= 0);

        foreach (var key in new[] { null, "not-the-admin-key" })
        {
            var headers = key is null ? new Metadata() : new Metadata { { "authorization", $"Bearer {key}" } };
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await registry.ResolveModelAsync(new() { Name = model, Version = "latest" }, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30))));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
    }

    public void Dispose() => _user.Dispose();
}
