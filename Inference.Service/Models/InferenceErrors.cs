namespace Inference.Service.Models;

/// <summary>The request does not fit the model; <see cref="Errors"/> maps each offending input to what was expected.</summary>
public sealed class InvalidInferenceRequestException(IDictionary<string, string[]> errors)
    : Exception(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    public static InvalidInferenceRequestException For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

public sealed class ModelNotFoundException(string model, string? message = null) : Exception(message ?? $"Model '{model}' is not loaded on this node.")
{
    public string Model { get; } = model;
}

public sealed class ModelNotReadyException(string model, string? reason)
    : Exception($"Model '{model}' is not ready{(string.IsNullOrEmpty(reason) ? "." : ": " + reason)}");

/// <summary>The model's queue is full: the caller should back off (429 / RESOURCE_EXHAUSTED).</summary>
public sealed class QueueFullException(string model, int limit)
    : Exception($"Model '{model}' has {limit} requests waiting already; try again later.");
