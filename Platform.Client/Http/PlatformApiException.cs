using System.Net;

namespace Platform.Client;

/// <summary>
/// The platform answered with an error. The subclass says which kind (API.md's status codes), <see cref="Problem"/>
/// carries the problem details, including the field errors of a validation problem.
/// </summary>
public class PlatformApiException(PlatformProblem problem, string operation)
    : Exception($"{operation} failed: {problem}")
{
    public PlatformProblem Problem { get; } = problem;

    public HttpStatusCode StatusCode => (HttpStatusCode)Problem.Status;

    /// <summary>What was being done ("PUT /api/v1/endpoints/x").</summary>
    public string Operation { get; } = operation;

    internal static PlatformApiException From(PlatformProblem problem, string operation) => problem.Status switch
    {
        400 or 422 => new PlatformValidationException(problem, operation),
        401 or 403 => new PlatformAuthenticationException(problem, operation),
        404 => new PlatformNotFoundException(problem, operation),
        409 => new PlatformConflictException(problem, operation),
        413 => new PlatformPayloadTooLargeException(problem, operation),
        429 => new PlatformThrottledException(problem, operation),
        503 => new PlatformUnavailableException(problem, operation),
        _ => new PlatformApiException(problem, operation),
    };
}

/// <summary>400: bad input; <see cref="PlatformProblem.Errors"/> names each field and its rule.</summary>
public sealed class PlatformValidationException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>401/403: no credentials, or the wrong ones.</summary>
public sealed class PlatformAuthenticationException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>404: no such model, endpoint, deployment, compute….</summary>
public sealed class PlatformNotFoundException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>409: name taken, still in use, or the wrong state.</summary>
public sealed class PlatformConflictException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>413: the upload or request body is over the limit.</summary>
public sealed class PlatformPayloadTooLargeException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>429: over quota or overloaded; retry later.</summary>
public sealed class PlatformThrottledException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);

/// <summary>503: a dependency is down, or no deployment is ready to answer.</summary>
public sealed class PlatformUnavailableException(PlatformProblem problem, string operation) : PlatformApiException(problem, operation);
