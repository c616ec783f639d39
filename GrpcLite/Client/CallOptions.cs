namespace GrpcLite;

/// <summary>
/// Per-call settings. <paramref name="Idempotent"/> marks calls safe to repeat: they are retried
/// with exponential backoff when the server is UNAVAILABLE, and only then.
/// </summary>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    bool Idempotent = false);
