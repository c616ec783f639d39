namespace Compute.Service.Application;

/// <summary>How a refused operation is answered: REST maps it to a status code, gRPC to a status code of ARCHITECTURE.md.</summary>
public enum ComputeErrorKind
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    ResourceExhausted,
}

/// <summary>An operation refused for a reason the caller can act on; the message says that reason.</summary>
public sealed class ComputeException(ComputeErrorKind kind, string message, IDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public ComputeErrorKind Kind { get; } = kind;

    /// <summary>Field → broken rules, for <see cref="ComputeErrorKind.InvalidArgument"/>.</summary>
    public IDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    public static ComputeException Invalid(IDictionary<string, string[]> errors) =>
        new(ComputeErrorKind.InvalidArgument,
            string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), errors);

    public static ComputeException ComputeNotFound(string name) =>
        new(ComputeErrorKind.NotFound, $"Compute '{name}' does not exist.");
}

/// <summary>Collects field → messages, so every broken rule is reported at once.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public void AddRange(string field, IEnumerable<string> messages)
    {
        foreach (var m in messages) Add(field, m);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void ThrowIfAny()
    {
        if (Any) throw ComputeException.Invalid(ToDictionary());
    }
}
