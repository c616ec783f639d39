using System.Text.Json.Nodes;
using Gateway.Service.Apis;
using Gateway.Service.Routing;
using Gateway.Tests.Support;

namespace Gateway.Tests.Unit;

public sealed class OpenApiDocumentBuilderTests
{
    [Fact]
    public void One_input_becomes_a_nested_array_schema_with_a_shaped_example()
    {
        var deployment = Routes.Deployment("blue");
        var endpoint = Routes.Endpoint("iris", [deployment], "blue");

        var doc = OpenApiDocumentBuilder.Build(endpoint, deployment);

        Assert.Equal("3.0.1", doc["openapi"]!.GetValue<string>());
        var post = doc["paths"]!["/endpoints/iris/score"]!["post"]!;
        var media = post["requestBody"]!["content"]!["application/json"]!;
        var data = media["schema"]!["properties"]!["data"]!;
        Assert.Equal("array", data["type"]!.GetValue<string>());
        Assert.Null(data["minItems"]); // dynamic batch dimension
        Assert.Equal(3, data["items"]!["minItems"]!.GetValue<long>());
        Assert.Equal("number", data["items"]!["items"]!["type"]!.GetValue<string>());
        // example: batch of 1 row of 3 zeros
        Assert.Equal("[[0,0,0]]", media["example"]!["data"]!.ToJsonString());
        var output = post["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(2, output["items"]!["maxItems"]!.GetValue<long>());
    }

    [Fact]
    public void Several_inputs_become_an_object_of_named_tensors()
    {
        var deployment = new DeploymentRoute("blue", "Healthy", "m:1", "m",
            [new TensorDescription("ids", "INT64", [1, 4]), new TensorDescription("mask", "BOOL", [1, 4])],
            [new TensorDescription("logits", "FP32", [1, 2]), new TensorDescription("probs", "FP32", [1, 2])],
            [new ReplicaRoute("n", new Uri("http://127.0.0.1:1"), null)]);
        var endpoint = Routes.Endpoint("multi", [deployment], "blue", auth: AuthMode.Token);

        var doc = OpenApiDocumentBuilder.Build(endpoint, deployment);

        var media = doc["paths"]!["/endpoints/multi/score"]!["post"]!["requestBody"]!["content"]!["application/json"]!;
        var data = media["schema"]!["properties"]!["data"]!;
        Assert.Equal("object", data["type"]!.GetValue<string>());
        Assert.Equal("integer", data["properties"]!["ids"]!["items"]!["items"]!["type"]!.GetValue<string>());
        Assert.Equal("boolean", data["properties"]!["mask"]!["items"]!["items"]!["type"]!.GetValue<string>());
        Assert.Equal("""{"ids":[[0,0,0,0]],"mask":[[false,false,false,false]]}""", media["example"]!["data"]!.ToJsonString());
        var outputs = doc["paths"]!["/endpoints/multi/score"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject();
        Assert.Equal(["logits", "probs"], outputs.Select(p => p.Key).ToArray());
    }

    [Fact]
    public void Huge_inputs_get_no_example_but_keep_their_schema()
    {
        var tensor = new TensorDescription("image", "FP32", [-1, 3, 512, 512]);

        Assert.Null(OpenApiDocumentBuilder.ExampleTensor(tensor));
        Assert.Equal(3, OpenApiDocumentBuilder.TensorSchema(tensor)["items"]!["minItems"]!.GetValue<long>());
    }

    [Fact]
    public void Endpoints_without_auth_declare_no_security()
    {
        var deployment = Routes.Deployment("blue");
        var doc = OpenApiDocumentBuilder.Build(Routes.Endpoint("open", [deployment], "blue", auth: AuthMode.None), deployment);

        Assert.Empty(doc["paths"]!["/endpoints/open/score"]!["post"]!["security"]!.AsArray());
    }
}
