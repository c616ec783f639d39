using Contracts.Onnx;
using Google.Protobuf;

namespace Registry.Service.Onnx;

/// <summary>
/// Checks that a file is an ONNX ModelProto and reads its signature. Field numbers are onnx.proto's (see
/// Contracts/Protos/onnx/onnx.proto). Large fields (initializer data, node lists) are skipped by seeking; small
/// messages (ValueInfoProto, OperatorSetIdProto) are parsed with the generated classes.
/// </summary>
public static class OnnxInspector
{
    private const int MaxSmallMessage = 4 * 1024 * 1024;

    /// <summary>Reads the model in a seekable stream; throws <see cref="InvalidDataException"/> saying why it is not ONNX.</summary>
    public static OnnxModelInfo Inspect(Stream model)
    {
        if (!model.CanSeek) throw new ArgumentException("The stream must be seekable.", nameof(model));
        var reader = new ProtoWireReader(model);
        var end = model.Length;
        if (end == 0) throw new InvalidDataException("the file is empty");

        long irVersion = 0;
        string producerName = "", producerVersion = "";
        var opsets = new List<OnnxOpset>();
        GraphSignature? graph = null;
        try
        {
            while (reader.TryReadTag(end, out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: // ir_version
                        ProtoWireReader.Expect(wireType, ProtoWireReader.VarInt, "ir_version");
                        irVersion = (long)reader.ReadVarint();
                        break;
                    case 2: // producer_name
                        ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "producer_name");
                        producerName = reader.ReadString(end);
                        break;
                    case 3: // producer_version
                        ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "producer_version");
                        producerVersion = reader.ReadString(end);
                        break;
                    case 7: // graph
                        ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "graph");
                        graph = ReadGraph(reader, reader.ReadLengthEnd(end));
                        break;
                    case 8: // opset_import
                        ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "opset_import");
                        var opset = OperatorSetIdProto.Parser.ParseFrom(reader.ReadBytes(end, MaxSmallMessage));
                        opsets.Add(new OnnxOpset(opset.Domain, opset.Version));
                        break;
                    default:
                        reader.Skip(wireType, end);
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the file ends in the middle of a field");
        }
        catch (OverflowException)
        {
            throw new InvalidDataException("a field number out of range");
        }

        if (irVersion <= 0) throw new InvalidDataException("it has no ir_version");
        if (graph is null) throw new InvalidDataException("it has no graph");
        // Since IR version 3 a model must say which operator sets it uses.
        if (irVersion >= 3 && opsets.Count == 0) throw new InvalidDataException("it imports no operator set");
        if (graph.Outputs.Count == 0) throw new InvalidDataException("its graph has no outputs");

        // Inputs that are also initializers have defaults; runtimes (ONNX Runtime among them) do not ask callers for them.
        var inputs = graph.Inputs.Where(i => !graph.InitializerNames.Contains(i.Name)).Select(Describe).ToList();
        return new OnnxModelInfo(irVersion, producerName, producerVersion, opsets, inputs, graph.Outputs.Select(Describe).ToList())
        {
            ExternalData = graph.ExternalData.Order(StringComparer.Ordinal).ToList(),
        };
    }

    private sealed record GraphSignature(
        List<ValueInfoProto> Inputs, List<ValueInfoProto> Outputs, HashSet<string> InitializerNames, HashSet<string> ExternalData);

    private static GraphSignature ReadGraph(ProtoWireReader reader, long end)
    {
        var graph = new GraphSignature([], [], new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            switch (field)
            {
                case 5: // initializer: only its name matters here, its data is skipped
                    ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "initializer");
                    var (name, location) = ReadInitializer(reader, reader.ReadLengthEnd(end));
                    if (name.Length > 0) graph.InitializerNames.Add(name);
                    if (location is not null) graph.ExternalData.Add(location);
                    break;
                case 11: // input
                    ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "graph input");
                    graph.Inputs.Add(ValueInfoProto.Parser.ParseFrom(reader.ReadBytes(end, MaxSmallMessage)));
                    break;
                case 12: // output
                    ProtoWireReader.Expect(wireType, ProtoWireReader.LengthDelimited, "graph output");
                    graph.Outputs.Add(ValueInfoProto.Parser.ParseFrom(reader.ReadBytes(end, MaxSmallMessage)));
                    break;
                default:
                    reader.Skip(wireType, end);
                    break;
            }
        }
        return graph;
    }

    /// <summary>An initializer's name (field 8) and, when its data lives in another file, that file (external_data, field 13).</summary>
    private static (string Name, string? ExternalLocation) ReadInitializer(ProtoWireReader reader, long end)
    {
        var name = "";
        string? location = null;
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            if (field == 8 && wireType == ProtoWireReader.LengthDelimited) name = reader.ReadString(end);
            else if (field == 13 && wireType == ProtoWireReader.LengthDelimited)
            {
                var entry = StringStringEntryProto.Parser.ParseFrom(reader.ReadBytes(end, MaxSmallMessage));
                if (entry.Key == "location") location = entry.Value;
            }
            else reader.Skip(wireType, end);
        }
        return (name, location);
    }

    internal static OnnxTensorInfo Describe(ValueInfoProto value)
    {
        var type = value.Type;
        if (type?.ValueCase == TypeProto.ValueOneofCase.TensorType)
        {
            var tensor = type.TensorType;
            IReadOnlyList<ShapeDim>? shape = tensor.Shape is null ? null : tensor.Shape.Dim.Select(DescribeDim).ToList();
            return new OnnxTensorInfo(value.Name, TypeName(type), tensor.ElemType, OnnxElementTypes.KServeName(tensor.ElemType), shape);
        }
        return new OnnxTensorInfo(value.Name, TypeName(type), 0, null, null);
    }

    private static ShapeDim DescribeDim(TensorShapeProto.Types.Dimension dim) => dim.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => ShapeDim.Of(dim.DimValue),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when dim.DimParam.Length > 0 => ShapeDim.Named(dim.DimParam),
        _ => ShapeDim.Unknown,
    };

    /// <summary>ONNX's own type notation, as in operator schemas: tensor(float), seq(tensor(int64)), map(string,tensor(float)).</summary>
    internal static string TypeName(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => $"tensor({OnnxElementTypes.OnnxName(type.TensorType.ElemType)})",
        TypeProto.ValueOneofCase.SparseTensorType => $"sparse_tensor({OnnxElementTypes.OnnxName(type.SparseTensorType.ElemType)})",
        TypeProto.ValueOneofCase.SequenceType => $"seq({TypeName(type.SequenceType.ElemType)})",
        TypeProto.ValueOneofCase.MapType => $"map({OnnxElementTypes.OnnxName(type.MapType.KeyType)},{TypeName(type.MapType.ValueType)})",
        TypeProto.ValueOneofCase.OptionalType => $"optional({TypeName(type.OptionalType.ElemType)})",
        TypeProto.ValueOneofCase.OpaqueType => $"opaque({type.OpaqueType.Domain}.{type.OpaqueType.Name})",
        _ => "unknown",
    };
}
