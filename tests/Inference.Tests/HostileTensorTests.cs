using System.Net;
using System.Net.Http.Json;
using System.Text;
using Contracts.Clients;
using Contracts.Inference;
using Contracts.Node.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Inference.Tests.Support;

namespace Inference.Tests;

/// <summary>
/// Shapes and values a hostile caller sent, each refused as the client's mistake (400 / INVALID_ARGUMENT naming the
/// input) by every protocol, with nothing internal in the answer, instead of reaching ONNX Runtime or computing NaN.
/// </summary>
public sealed class HostileTensorTests(InferenceNodeHost node) : IClassFixture<InferenceNodeHost>
{
    private const string Model = "hostile-dense";

    // Loading replaces a model of the same name, so each test simply loads it (a few milliseconds for this one).
    private async Task EnsureLoadedAsync()
    {
        var file = OnnxModelBuilder.WriteTemp(OnnxModelBuilder.Dense(4, 3, seed: 3), Model);
        await new InferenceNodeClient(node.Grpc, node.Credential.AuthorizationHeader).LoadModelAsync(new LoadModelRequest { ModelName = Model, Location = file });
    }

    private static async Task AssertClientFaultAsync(HttpResponseMessage response, string mentions)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Contains(mentions, body);
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain("/onnxruntime/", body);
    }

    [Theory]
    [InlineData("[4611686018427387904, 4]", "[]")]          // 2^62 * 4 wraps to 0 elements
    [InlineData("[4294967296, 4294967296]", "[]")]          // 2^64 wraps to 0
    [InlineData("[9223372036854775807, 2]", "[1,2,3,4]")]
    [InlineData("[99999999999999999999999, 4]", "[1,2,3,4]")]
    public async Task An_overflowing_or_oversized_json_shape_is_a_400_naming_the_shape(string shape, string data)
    {
        await EnsureLoadedAsync();
        var body = $$"""{"inputs":[{"name":"x","datatype":"FP32","shape":{{shape}},"data":{{data}}}]}""";
        using var response = await node.Http.PostAsync($"/v2/models/{Model}/infer", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertClientFaultAsync(response, "hape");
    }

    [Theory]
    [InlineData("[1, 4]", -16, "binary_data_size")]
    [InlineData("[4611686018427387904, 4]", 0, "more elements")]
    [InlineData("[1, 4]", 9223372036854775807, "binary_data_size")]
    public async Task A_binary_extension_with_a_negative_or_overflowing_size_is_a_400(string shape, long binarySize, string mentions)
    {
        await EnsureLoadedAsync();
        var json = Encoding.UTF8.GetBytes(
            $$$"""{"inputs":[{"name":"x","datatype":"FP32","shape":{{{shape}}},"parameters":{"binary_data_size":{{{binarySize}}}}}]}""");
        var content = new ByteArrayContent([.. json, .. new byte[16]]);
        content.Headers.ContentType = new("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{Model}/infer") { Content = content };
        request.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await node.Http.SendAsync(request);
        await AssertClientFaultAsync(response, mentions);
    }

    [Theory]
    [InlineData("/v2")]
    [InlineData("/score")]
    public async Task A_number_beyond_the_range_of_the_input_type_is_a_400_not_a_nan_answer(string protocol)
    {
        await EnsureLoadedAsync();
        var body = protocol == "/score"
            ? """{"data":[[1e400, 1, 2, 3]]}"""
            : """{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1e39,1,2,3]}]}""";
        var path = protocol == "/score" ? $"/models/{Model}/score" : $"/v2/models/{Model}/infer";
        using var response = await node.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertClientFaultAsync(response, "range");
    }

    [Theory]
    [InlineData(4611686018427387904L, 4L, false)]
    [InlineData(4611686018427387904L, 4L, true)]
    [InlineData(1L, 4L, true)] // raw and typed contents together
    public async Task Grpc_overflowing_shapes_and_doubly_given_data_are_invalid_argument(long rows, long columns, bool raw)
    {
        await EnsureLoadedAsync();
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([rows, columns]);
        var request = new ModelInferRequest { ModelName = Model };
        request.Inputs.Add(input);
        if (raw)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
            if (rows == 1) input.Contents.Fp32Contents.AddRange([1f, 2f, 3f, 4f]);
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            node.Grpc.UnaryAsync<ModelInferRequest, ModelInferResponse>("/inference.GRPCInferenceService/ModelInfer", request));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.DoesNotContain("Exception", refused.Status.Detail);
    }
}
