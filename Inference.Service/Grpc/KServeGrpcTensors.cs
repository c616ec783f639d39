using System.Runtime.InteropServices;
using Contracts.Inference;
using Google.Protobuf;
using Inference.Service.Models;
using Inference.Service.Protocol;
using Inference.Service.Runtime;

namespace Inference.Service.Grpc;

/// <summary>KServe v2 gRPC tensors to and from our <see cref="Tensor"/>: raw_input_contents zero-copy, typed contents converted.</summary>
internal static class KServeGrpcTensors
{
    public static Tensor[] ReadInputs(ModelInferRequest request)
    {
        var raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
            throw InvalidInferenceRequestException.For("raw_input_contents", $"Holds {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs; give one per input, in input order.");

        var tensors = new Tensor[request.Inputs.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var input = request.Inputs[i];
            var name = string.IsNullOrEmpty(input.Name) ? throw InvalidInferenceRequestException.For("inputs", "Every input needs a name.") : input.Name;
            if (DataTypes.FromKServe(input.Datatype) is not { } type)
                throw InvalidInferenceRequestException.For(name, $"Unknown datatype '{input.Datatype}'.");
            var shape = input.Shape.ToArray();
            var count = TensorShape.ElementCount(name, shape);
            if (raw)
            {
                var bytes = request.RawInputContents[i].Memory;
                if (HasValues(input.Contents))
                    throw InvalidInferenceRequestException.For(name, "Give the input's data either in raw_input_contents or in contents, not both.");
                if (type == TensorElementType.String)
                    tensors[i] = Tensor.FromStrings(name, shape, KServeJson.DecodeBinaryStrings(name, bytes.Span, count));
                else if (bytes.Length != TensorShape.ByteCount(name, shape, type))
                    throw InvalidInferenceRequestException.For(name, $"Shape [{string.Join(",", shape)}] of {input.Datatype} needs {TensorShape.ByteCount(name, shape, type)} bytes, raw_input_contents has {bytes.Length}.");
                else
                    tensors[i] = Tensor.FromBytes(name, type, shape, bytes);
                continue;
            }
            tensors[i] = FromContents(name, type, shape, count, input.Contents ?? new InferTensorContents());
        }
        return tensors;
    }

    private static bool HasValues(InferTensorContents? c) => c is not null &&
        c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count +
        c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count > 0;

    private static Tensor FromContents(string name, TensorElementType type, long[] shape, long count, InferTensorContents c)
    {
        if (type == TensorElementType.String)
        {
            CheckCount(name, c.BytesContents.Count, count);
            return Tensor.FromStrings(name, shape, c.BytesContents.Select(b => b.ToStringUtf8()).ToArray());
        }
        byte[] bytes = type switch
        {
            TensorElementType.Float => Bytes(name, c.Fp32Contents, count, v => v),
            TensorElementType.Double => Bytes(name, c.Fp64Contents, count, v => v),
            TensorElementType.Int8 => Bytes(name, c.IntContents, count, v => checked((sbyte)v)),
            TensorElementType.Int16 => Bytes(name, c.IntContents, count, v => checked((short)v)),
            TensorElementType.Int32 => Bytes(name, c.IntContents, count, v => v),
            TensorElementType.Int64 => Bytes(name, c.Int64Contents, count, v => v),
            TensorElementType.UInt8 => Bytes(name, c.UintContents, count, v => checked((byte)v)),
            TensorElementType.UInt16 => Bytes(name, c.UintContents, count, v => checked((ushort)v)),
            TensorElementType.UInt32 => Bytes(name, c.UintContents, count, v => v),
            TensorElementType.UInt64 => Bytes(name, c.Uint64Contents, count, v => v),
            TensorElementType.Bool => Bytes(name, c.BoolContents, count, v => v ? (byte)1 : (byte)0),
            _ => throw InvalidInferenceRequestException.For(name, $"{DataTypes.Describe(type)} has no typed contents field; send it in raw_input_contents."),
        };
        return Tensor.FromBytes(name, type, shape, bytes);
    }

    private static byte[] Bytes<TIn, TOut>(string name, IList<TIn> values, long count, Func<TIn, TOut> convert) where TOut : unmanaged
    {
        CheckCount(name, values.Count, count);
        var result = new TOut[values.Count];
        try
        {
            for (var i = 0; i < result.Length; i++) result[i] = convert(values[i]);
        }
        catch (OverflowException)
        {
            throw InvalidInferenceRequestException.For(name, $"A value does not fit {typeof(TOut).Name}.");
        }
        return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
    }

    private static void CheckCount(string name, int given, long expected)
    {
        if (given != expected) throw InvalidInferenceRequestException.For(name, $"The shape needs {expected} values, contents has {given}.");
    }

    /// <summary>Outputs always go back in raw_output_contents (as Triton does): no per-element conversion on the way out.</summary>
    public static void WriteOutputs(ModelInferResponse response, Tensor[] outputs)
    {
        foreach (var output in outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor
            {
                Name = output.Name,
                Datatype = DataTypes.ToKServe(output.ElementType) ?? output.ElementType.ToString(),
            };
            tensor.Shape.AddRange(output.Shape);
            response.Outputs.Add(tensor);
            response.RawOutputContents.Add(output.ElementType == TensorElementType.String
                ? UnsafeByteOperations.UnsafeWrap(KServeJson.EncodeBinaryStrings(output.Strings!))
                : UnsafeByteOperations.UnsafeWrap(output.Data));
        }
    }
}
