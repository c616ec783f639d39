using System.Text;
using Gateway.Service.Proxy;

namespace Gateway.Tests.Unit;

public sealed class V2ModelNameRewriterTests
{
    [Fact]
    public void Model_name_of_the_node_is_replaced_by_the_endpoint()
    {
        var body = Encoding.UTF8.GetBytes("""{"model_name":"ep-blue-3","outputs":[{"name":"y","datatype":"FP32","shape":[1],"data":[1.5]}]}""");

        var rewritten = V2ModelNameRewriter.Rewrite(body, body.Length, "ep", out var length);

        var json = System.Text.Json.Nodes.JsonNode.Parse(rewritten)!;
        Assert.Equal("ep", json["model_name"]!.GetValue<string>());
        Assert.Equal(1.5, json["outputs"]![0]!["data"]![0]!.GetValue<double>());
        Assert.Equal(rewritten.Length, length);
    }

    [Fact]
    public void Binary_tensor_data_after_the_json_header_is_kept()
    {
        var header = Encoding.UTF8.GetBytes("""{"model_name":"node-name","outputs":[]}""");
        byte[] binary = [1, 2, 3, 4];
        var body = header.Concat(binary).ToArray();

        var rewritten = V2ModelNameRewriter.Rewrite(body, header.Length, "endpoint-with-longer-name", out var length);

        Assert.Equal(binary, rewritten[length..]);
        Assert.Contains("endpoint-with-longer-name", Encoding.UTF8.GetString(rewritten, 0, length));
    }

    [Fact]
    public void A_body_that_is_not_json_is_passed_through()
    {
        var body = "plain"u8.ToArray();

        Assert.Same(body, V2ModelNameRewriter.Rewrite(body, body.Length, "ep", out _));
    }
}
