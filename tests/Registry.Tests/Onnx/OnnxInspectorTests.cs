using System.Text;
using Registry.Service.Onnx;
using Registry.Tests.Support;

namespace Registry.Tests.Onnx;

public sealed class OnnxInspectorTests
{
    private static OnnxModelInfo Inspect(byte[] bytes) => OnnxInspector.Inspect(new MemoryStream(bytes));

    [Fact]
    public void A_model_reports_opset_inputs_and_outputs_with_symbolic_dimensions()
    {
        var info = Inspect(TestModels.Linear);

        Assert.Equal(8, info.IrVersion);
        Assert.Equal("registry-tests", info.ProducerName);
        Assert.Equal(new OnnxOpset("", 13), Assert.Single(info.Opsets));

        // W is a graph input with an initializer: callers need not feed it, so it is not part of the signature.
        var input = Assert.Single(info.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal("tensor(float)", input.Type);
        Assert.Equal(1, input.ElemType);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal([ShapeDim.Named("batch"), ShapeDim.Of(4)], input.Shape);

        var output = Assert.Single(info.Outputs);
        Assert.Equal("y", output.Name);
        Assert.Equal([ShapeDim.Named("batch"), ShapeDim.Of(3)], output.Shape);
    }

    [Fact]
    public void Other_element_types_and_unknown_dimensions_are_described()
    {
        var info = OnnxInspector.Inspect(File.OpenRead(TestModels.CastPath));

        var ids = info.Inputs.Single(i => i.Name == "ids");
        Assert.Equal("tensor(int64)", ids.Type);
        Assert.Equal("INT64", ids.Datatype);
        Assert.Equal([ShapeDim.Named("batch"), ShapeDim.Unknown], ids.Shape);
        Assert.Equal([ShapeDim.Of(1)], info.Inputs.Single(i => i.Name == "scale").Shape);
    }

    [Fact]
    public void A_model_of_the_onnx_backend_test_suite_is_read()
    {
        const string path = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";
        Assert.True(File.Exists(path), "libonnx-testdata is installed by scripts/setup.sh");
        var info = OnnxInspector.Inspect(File.OpenRead(path));
        Assert.Equal(["x", "y"], info.Inputs.Select(i => i.Name));
        Assert.Equal("sum", Assert.Single(info.Outputs).Name);
        Assert.Equal([ShapeDim.Of(3), ShapeDim.Of(4), ShapeDim.Of(5)], info.Inputs[0].Shape);
    }

    [Fact]
    public void Initializers_kept_in_another_file_are_reported()
    {
        var info = OnnxInspector.Inspect(File.OpenRead(Path.Combine(TestModels.ExternalFolder, "model.onnx")));
        Assert.Equal(["weights.bin"], info.ExternalData);
        Assert.Equal("x", Assert.Single(info.Inputs).Name);
        Assert.Empty(Inspect(TestModels.Linear).ExternalData);
    }

    [Theory]
    [InlineData("hello, this is not a model")]
    [InlineData("{\"name\": \"model\"}")]
    [InlineData("\u0008\u0008")]
    public void Text_is_not_a_model(string text) =>
        Assert.Throws<InvalidDataException>(() => Inspect(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void An_empty_file_is_not_a_model() => Assert.Throws<InvalidDataException>(() => Inspect([]));

    [Fact]
    public void A_truncated_model_is_refused()
    {
        var bytes = TestModels.Linear;
        Assert.Throws<InvalidDataException>(() => Inspect(bytes[..(bytes.Length - 7)]));
    }

    [Fact]
    public void A_tensor_file_is_not_a_model()
    {
        var input = Directory.GetFiles("/usr/share/libonnx-testdata/data/node/test_add/test_data_set_0", "input_0.pb").Single();
        Assert.Throws<InvalidDataException>(() => Inspect(File.ReadAllBytes(input)));
    }
}
