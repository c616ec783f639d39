using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ServiceDefaults.Http;

/// <summary>
/// The one mapping of a client's fault to its 4xx, for every service: a body over the limit (413), one that stalls
/// below Kestrel's minimum data rate (408), or a malformed request (400) is reported as what it is, with problem
/// details, instead of a 500 or a downstream "unavailable"; a client that went away gets nothing (499, for the logs).
/// </summary>
public sealed class ClientFaultExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const int ClientClosedRequest = 499;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = ClientClosedRequest;
            return true;
        }
        if (FindBadRequest(exception) is not { } bad) return false;

        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = ReasonPhrases.GetReasonPhrase(bad.StatusCode),
                Detail = Describe(bad),
            },
        });
    }

    /// <summary>Kestrel's own exception, also when it surfaces wrapped (a proxied body read inside HttpClient's copy).</summary>
    public static BadHttpRequestException? FindBadRequest(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is BadHttpRequestException bad) return bad;
        return null;
    }

    private static string Describe(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this resource accepts.",
        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly (below the minimum data rate) and was abandoned.",
        _ => bad.Message,
    };
}
