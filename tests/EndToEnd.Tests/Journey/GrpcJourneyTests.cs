using System.Runtime.InteropServices;
using Contracts.Inference;
using GrpcLite;

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

        var call = await channel.UnaryCallAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer", request,
            new CallOptions(new Metadata().Add("authorization", $"Bearer {key}"), DateTime.UtcNow.AddSeconds(30)));

        Assert.Equal(endpoint, call.Response.ModelName);
        Assert.Equal("blue", call.ResponseHeaders.GetValue("azureml-model-deployment"));
        var values = call.Response.RawOutputContents.Count > 0
            ? MemoryMarshal.Cast<byte, float>(call.Response.RawOutputContents[0].Span).ToArray()
            : call.Response.Outputs[0].Contents.Fp32Contents.ToArray();
        var expected = JourneyClient.Expected(v1File).SelectMany(r => r).ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], 1e-4);

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<ModelInferRequest, ModelInferResponse>(
            "/inference.GRPCInferenceService/ModelInfer", request, new CallOptions(new Metadata().Add("authorization", "Bearer wrong"))));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        await _user.DeleteAsync($"/api/v1/endpoints/{endpoint}");
    }

    public void Dispose() => _user.Dispose();
}
