using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ServiceDefaults.Http;

/// <summary>
/// The one way every service answers a refused request: RFC 7807 problem details (ASP.NET Core's, completed by
/// AddProblemDetails with type, trace id and the status's title when none is given). Validation problems name the
/// field and the rule it broke; 401 says which scheme to use; 503 may say when to come back.
/// </summary>
public static class Problems
{
    /// <summary>400: <paramref name="field"/> broke <paramref name="rule"/>.</summary>
    public static ValidationProblem Invalid(string field, string rule, string? title = null) =>
        Invalid(new Dictionary<string, string[]> { [field] = [rule] }, title);

    /// <summary>400: every field with the rules it broke (a detail and extensions, such as the rule's name, when the caller has them).</summary>
    public static ValidationProblem Invalid(
        IEnumerable<KeyValuePair<string, string[]>> errors, string? title = null, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.ValidationProblem(errors, detail: detail, title: title, extensions: extensions);

    public static ProblemHttpResult NotFound(string detail, string? title = null) => Status(StatusCodes.Status404NotFound, detail, title);

    public static ProblemHttpResult Conflict(string detail, string? title = null) => Status(StatusCodes.Status409Conflict, detail, title);

    /// <summary>401 with <c>WWW-Authenticate</c>, so that a client knows which credential to send.</summary>
    public static ProblemHttpResult Unauthorized(HttpContext context, string detail, string scheme = "Bearer")
    {
        context.Response.Headers.WWWAuthenticate = scheme;
        return Status(StatusCodes.Status401Unauthorized, detail, "Unauthorized");
    }

    public static ProblemHttpResult Forbidden(string detail) => Status(StatusCodes.Status403Forbidden, detail, "Forbidden");

    /// <summary>413: the body is larger than this resource accepts.</summary>
    public static ProblemHttpResult TooLarge(string detail) => Status(StatusCodes.Status413PayloadTooLarge, detail, null);

    /// <summary>408: the client took too long (a body below the minimum data rate, a deadline that passed before the work ran).</summary>
    public static ProblemHttpResult TimedOut(string detail, string? title = null) => Status(StatusCodes.Status408RequestTimeout, detail, title);

    /// <summary>503, with <c>Retry-After</c> when the service knows when to come back.</summary>
    public static ProblemHttpResult Unavailable(string detail, string? title = null, HttpContext? context = null, TimeSpan? retryAfter = null)
    {
        if (context is not null && retryAfter is { } wait)
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Status(StatusCodes.Status503ServiceUnavailable, detail, title);
    }

    /// <summary>Any other status (429 over quota, 415, 504…): detail says what happened, title names the kind.</summary>
    public static ProblemHttpResult Status(int status, string detail, string? title = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
}
