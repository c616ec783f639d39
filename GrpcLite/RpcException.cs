namespace GrpcLite;

/// <summary>
/// A call that ended with a non-OK status. Thrown by handlers to choose the status sent to the
/// client, and thrown by the client when a call fails.
/// </summary>
public class RpcException : Exception
{
    public RpcException(StatusCode statusCode, string detail)
        : this(new Status(statusCode, detail), new Metadata())
    {
    }

    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : base($"{status}")
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public string Detail => Status.Detail;

    /// <summary>Trailers sent with the status (server side) or received with it (client side).</summary>
    public Metadata Trailers { get; }
}
