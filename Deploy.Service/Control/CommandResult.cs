using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Http;

namespace Deploy.Service.Control;

/// <summary>The outcome of a control-plane command, independent of HTTP so deploy rules reuse the same commands.</summary>
public sealed record CommandResult<T>(T? Value, bool Created, CommandFailure? Failure)
{
    public static CommandResult<T> Ok(T value, bool created = false) => new(value, created, null);
    public static implicit operator CommandResult<T>(CommandFailure failure) => new(default, false, failure);
}

public enum FailureKind { Invalid, NotFound, Conflict }

/// <summary>Why a command was refused: <see cref="Rule"/> names the broken rule, <see cref="Errors"/> maps fields to messages.</summary>
public sealed record CommandFailure(FailureKind Kind, string Rule, string Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    public static CommandFailure Invalid(Dictionary<string, string[]> errors) =>
        new(FailureKind.Invalid, "validation", "One or more fields are invalid.", errors);

    public static CommandFailure Invalid(string rule, string field, string message) =>
        new(FailureKind.Invalid, rule, message, new Dictionary<string, string[]> { [field] = [$"{message} (rule: {rule})"] });

    public static CommandFailure NotFound(string what) => new(FailureKind.NotFound, "not-found", what, new Dictionary<string, string[]>());

    public static CommandFailure Conflict(string rule, string field, string message) =>
        new(FailureKind.Conflict, rule, message, new Dictionary<string, string[]> { [field] = [$"{message} (rule: {rule})"] });

    public override string ToString() => $"{Kind} ({Rule}): {Detail}";

    /// <summary>RFC 7807: 400 with `errors`, 404, or 409 — each naming the rule in the `rule` extension.</summary>
    public IResult ToProblem() => Kind switch
    {
        FailureKind.Invalid => Problems.Invalid(
            Errors, detail: Detail, extensions: new Dictionary<string, object?> { ["rule"] = Rule }),
        FailureKind.NotFound => Problems.NotFound(Detail, "Not found"),
        _ => Problems.Status(detail: Detail, status: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: new Dictionary<string, object?> { ["rule"] = Rule, ["errors"] = Errors }),
    };
}

internal static class ValidationProblemExtensions
{
    public static ValidationProblem AsProblem(this Dictionary<string, string[]> errors) => Problems.Invalid(errors);
}
