using Google.Protobuf.WellKnownTypes;
using Registry.Service.Apis;
using Registry.Service.Blobs;
using Registry.Service.Onnx;
using Proto = Contracts.Registry.V1;

namespace Registry.Service.Grpc;

/// <summary>Maps stored versions to registry.v1 messages.</summary>
public static class ModelVersionMapper
{
    public static Proto.ModelVersion ToProto(Models.ModelVersion version, BlobStore blobs)
    {
        var message = new Proto.ModelVersion
        {
            Name = version.Name,
            Version = version.Version,
            Id = version.Id,
            Framework = version.Framework,
            Description = version.Description,
            CreatedAt = Timestamp.FromDateTimeOffset(version.CreatedAt),
            ModelFile = version.ModelFile ?? "",
        };
        foreach (var tag in version.Tags) message.Tags[tag.Key] = tag.Value;
        message.Files.AddRange(version.Files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => ToProto(f, blobs)));
        message.UsedBy.AddRange(version.Uses.Select(u => u.User).Order(StringComparer.Ordinal));
        if (ModelVersionResponse.ReadOnnx(version) is { } onnx) message.Onnx = ToProto(onnx);
        return message;
    }

    public static Proto.ModelFile ToProto(Models.ModelFile file, BlobStore blobs) => new()
    {
        Path = file.Path,
        Size = file.Size,
        Sha256 = file.Sha256,
        StoragePath = blobs.PathOf(file.Sha256),
    };

    private static Proto.OnnxModelInfo ToProto(OnnxModelInfo onnx)
    {
        var message = new Proto.OnnxModelInfo
        {
            IrVersion = onnx.IrVersion,
            ProducerName = onnx.ProducerName,
            ProducerVersion = onnx.ProducerVersion,
        };
        message.Opsets.AddRange(onnx.Opsets.Select(o => new Proto.OperatorSet { Domain = o.Domain, Version = o.Version }));
        message.Inputs.AddRange(onnx.Inputs.Select(ToProto));
        message.Outputs.AddRange(onnx.Outputs.Select(ToProto));
        return message;
    }

    private static Proto.TensorInfo ToProto(OnnxTensorInfo tensor)
    {
        var message = new Proto.TensorInfo
        {
            Name = tensor.Name,
            Type = tensor.Type,
            ElemType = tensor.ElemType,
            Datatype = tensor.Datatype ?? "",
            HasShape = tensor.Shape is not null,
        };
        foreach (var dim in tensor.Shape ?? [])
        {
            var d = new Proto.Dimension();
            if (dim.Size is { } size) d.Size = size;
            else if (dim.Symbol is { } symbol) d.Symbol = symbol;
            message.Shape.Add(d);
        }
        return message;
    }
}
