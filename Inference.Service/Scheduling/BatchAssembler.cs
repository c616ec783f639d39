using Inference.Service.Runtime;

namespace Inference.Service.Scheduling;

/// <summary>Stacks requests along dimension 0 into one set of inputs, and splits the outputs back.</summary>
internal static class BatchAssembler
{
    public static Tensor[] Stack(IReadOnlyList<PendingRequest> batch, long totalRows)
    {
        var first = batch[0].Inputs;
        var stacked = new Tensor[first.Length];
        for (var i = 0; i < first.Length; i++)
        {
            var shape = (long[])first[i].Shape.Clone();
            shape[0] = totalRows;
            if (first[i].ElementType == TensorElementType.String)
            {
                stacked[i] = Tensor.FromStrings(first[i].Name, shape, batch.SelectMany(r => r.Inputs[i].Strings!).ToArray());
                continue;
            }
            var bytes = new byte[batch.Sum(r => r.Inputs[i].Data.Length)];
            var offset = 0;
            foreach (var request in batch)
            {
                request.Inputs[i].Data.Span.CopyTo(bytes.AsSpan(offset));
                offset += request.Inputs[i].Data.Length;
            }
            stacked[i] = Tensor.FromBytes(first[i].Name, first[i].ElementType, shape, bytes);
        }
        return stacked;
    }

    /// <summary>Splits batched outputs by each request's rows; false when an output is not batch-major (then requests must run alone).</summary>
    public static bool TrySplit(Tensor[] outputs, IReadOnlyList<PendingRequest> batch, long totalRows, out Tensor[][] perRequest)
    {
        perRequest = new Tensor[batch.Count][];
        foreach (var output in outputs)
            if (output.Shape.Length == 0 || output.Shape[0] != totalRows) return false;

        for (var r = 0; r < batch.Count; r++) perRequest[r] = new Tensor[outputs.Length];
        for (var o = 0; o < outputs.Length; o++)
        {
            var output = outputs[o];
            var perRow = totalRows == 0 ? 0 : output.ElementCount / totalRows;
            long rowStart = 0;
            for (var r = 0; r < batch.Count; r++)
            {
                var rows = batch[r].Rows;
                var shape = (long[])output.Shape.Clone();
                shape[0] = rows;
                if (output.ElementType == TensorElementType.String)
                {
                    perRequest[r][o] = Tensor.FromStrings(output.Name, shape, output.Strings!.AsSpan((int)(rowStart * perRow), (int)(rows * perRow)).ToArray());
                }
                else
                {
                    var size = output.ElementType.ElementSize();
                    perRequest[r][o] = Tensor.FromBytes(output.Name, output.ElementType, shape,
                        output.Data.Slice((int)(rowStart * perRow * size), (int)(rows * perRow * size)));
                }
                rowStart += rows;
            }
        }
        return true;
    }
}
