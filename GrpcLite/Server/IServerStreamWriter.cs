namespace GrpcLite;

/// <summary>Writes the messages of a streamed response, one at a time.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message);

    Task WriteAsync(T message, CancellationToken cancellationToken);
}
