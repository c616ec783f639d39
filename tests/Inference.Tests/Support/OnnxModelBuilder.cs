using Contracts.Onnx;
using Google.Protobuf;

namespace Inference.Tests.Support;

/// <summary>Builds small ONNX models in memory (opset 17), so tests can choose exact types and symbolic dimensions.</summary>
public static class OnnxModelBuilder
{
    /// <summary>A dimension: a number is fixed, a string is symbolic (e.g. "batch").</summary>
    public static ValueInfoProto Value(string name, int elementType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int n => new TensorShapeProto.Types.Dimension { DimValue = n },
                long n => new TensorShapeProto.Types.Dimension { DimValue = n },
                _ => throw new ArgumentException($"Bad dimension {d}"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + string.Join("_", outputs) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static TensorProto FloatInitializer(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    public static byte[] Model(IEnumerable<NodeProto> nodes, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs, IEnumerable<TensorProto>? initializers = null)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        if (initializers is not null) graph.Initializer.AddRange(initializers);
        var model = new ModelProto { IrVersion = 8, ProducerName = "inference-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    /// <summary>y = Identity(x) on [batch, ...dims] of one element type.</summary>
    public static byte[] Identity(int elementType, params object[] dims) =>
        Model([Node("Identity", ["x"], ["y"])], [Value("x", elementType, dims)], [Value("y", elementType, dims)]);

    /// <summary>y = x·W + b on float [batch, inputs] → [batch, outputs], weights from a fixed seed.</summary>
    public static byte[] Dense(int inputs, int outputs, int seed = 7)
    {
        var random = new Random(seed);
        var w = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        return Model(
            [Node("MatMul", ["x", "w"], ["xw"]), Node("Add", ["xw", "b"], ["y"])],
            [Value("x", 1, "batch", inputs)],
            [Value("y", 1, "batch", outputs)],
            [FloatInitializer("w", [inputs, outputs], w), FloatInitializer("b", [outputs], b)]);
    }

    /// <summary>A deep stack of square MatMuls: little data in and out, much compute (for back-pressure tests).</summary>
    public static byte[] DeepChain(int width, int layers, int seed = 5)
    {
        var random = new Random(seed);
        var nodes = new List<NodeProto>();
        var initializers = new List<TensorProto>();
        var previous = "x";
        for (var i = 0; i < layers; i++)
        {
            var weights = Enumerable.Range(0, width * width).Select(_ => (float)((random.NextDouble() - 0.5) / width)).ToArray();
            initializers.Add(FloatInitializer($"w{i}", [width, width], weights));
            var output = i == layers - 1 ? "y" : $"h{i}";
            nodes.Add(Node("MatMul", [previous, $"w{i}"], [output]));
            previous = output;
        }
        return Model(nodes, [Value("x", 1, "batch", width)], [Value("y", 1, "batch", width)], initializers);
    }

    public static string WriteTemp(byte[] model, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "inference-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".onnx");
        File.WriteAllBytes(path, model);
        return path;
    }
}
