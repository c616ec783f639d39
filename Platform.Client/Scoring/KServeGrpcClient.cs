using System.Runtime.InteropServices;
using Contracts.Inference;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Client;

/// <summary>
/// KServe v2 over gRPC (<c>inference.GRPCInferenceService</c>), the endpoint name as the model name, its key or token
/// in the <c>authorization</c> metadata. Errors surface as <see cref="RpcException"/> with the platform's status code.
/// </summary>
public sealed class KServeGrpcClient : IDisposable
{
    private readonly Lazy<GrpcChannel> _channel;

    internal KServeGrpcClient(Uri address) =>
        _channel = new Lazy<GrpcChannel>(() => GrpcChannel.ForAddress(address));

    private GRPCInferenceService.GRPCInferenceServiceClient Client => new(_channel.Value);

    public async Task<bool> IsServerReadyAsync(CancellationToken ct = default) =>
        (await Client.ServerReadyAsync(new ServerReadyRequest(), cancellationToken: ct)).Ready;

    public async Task<bool> IsModelReadyAsync(string endpoint, string? credential, CancellationToken ct = default) =>
        (await Client.ModelReadyAsync(new ModelReadyRequest { Name = endpoint }, Headers(credential, null), cancellationToken: ct)).Ready;

    public async Task<InferResult> InferAsync(string endpoint, IReadOnlyList<InferTensor> inputs, string? credential, string? deployment = null,
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var request = new ModelInferRequest { ModelName = endpoint };
        foreach (var input in inputs) request.Inputs.Add(ToProto(input));
        using var call = Client.ModelInferAsync(request, Headers(credential, deployment),
            DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60)), ct);
        var response = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;
        var outputs = response.Outputs.Select((o, i) => new InferTensor(o.Name, o.Datatype, o.Shape.ToArray(),
            i < response.RawOutputContents.Count ? FromRaw(o.Datatype, response.RawOutputContents[i]) : FromContents(o.Datatype, o.Contents))).ToList();
        return new InferResult(response.ModelName, response.ModelVersion, response.Id, outputs, headers.GetValue(ScoringClient.DeploymentHeader));
    }

    public void Dispose()
    {
        if (_channel.IsValueCreated) _channel.Value.Dispose();
    }

    private static Metadata Headers(string? credential, string? deployment)
    {
        var metadata = new Metadata();
        if (!string.IsNullOrEmpty(credential)) metadata.Add("authorization", $"Bearer {credential}");
        if (deployment is not null) metadata.Add(ScoringClient.DeploymentHeader, deployment);
        return metadata;
    }

    private static ModelInferRequest.Types.InferInputTensor ToProto(InferTensor tensor)
    {
        var proto = new ModelInferRequest.Types.InferInputTensor { Name = tensor.Name, Datatype = tensor.Datatype, Contents = new InferTensorContents() };
        proto.Shape.AddRange(tensor.Shape);
        switch (tensor.Datatype)
        {
            case "FP32": proto.Contents.Fp32Contents.AddRange(tensor.Data.Select(v => (float)v)); break;
            case "FP64": proto.Contents.Fp64Contents.AddRange(tensor.Data); break;
            case "INT32" or "INT16" or "INT8": proto.Contents.IntContents.AddRange(tensor.Data.Select(v => (int)v)); break;
            case "INT64": proto.Contents.Int64Contents.AddRange(tensor.Data.Select(v => (long)v)); break;
            case "BOOL": proto.Contents.BoolContents.AddRange(tensor.Data.Select(v => v != 0)); break;
            default: throw new NotSupportedException($"Datatype {tensor.Datatype} is not one this client encodes (FP32, FP64, INT8/16/32/64, BOOL).");
        }
        return proto;
    }

    private static double[] FromRaw(string datatype, ByteString raw)
    {
        var span = raw.Span;
        return datatype switch
        {
            "FP32" => MemoryMarshal.Cast<byte, float>(span).ToArray().Select(v => (double)v).ToArray(),
            "FP64" => MemoryMarshal.Cast<byte, double>(span).ToArray(),
            "INT32" => MemoryMarshal.Cast<byte, int>(span).ToArray().Select(v => (double)v).ToArray(),
            "INT64" => MemoryMarshal.Cast<byte, long>(span).ToArray().Select(v => (double)v).ToArray(),
            "BOOL" => span.ToArray().Select(b => b != 0 ? 1d : 0d).ToArray(),
            _ => throw new NotSupportedException($"Datatype {datatype} is not one this client decodes."),
        };
    }

    private static double[] FromContents(string datatype, InferTensorContents? contents) => contents is null ? [] : datatype switch
    {
        "FP32" => contents.Fp32Contents.Select(v => (double)v).ToArray(),
        "FP64" => contents.Fp64Contents.ToArray(),
        "INT64" => contents.Int64Contents.Select(v => (double)v).ToArray(),
        "BOOL" => contents.BoolContents.Select(v => v ? 1d : 0d).ToArray(),
        _ => contents.IntContents.Select(v => (double)v).ToArray(),
    };
}
