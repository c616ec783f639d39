using ServiceDefaults.Http;

namespace Gateway.Service.Apis;

public static class GatewayProblems
{
    /// <summary>
    /// The one answer to a missing or wrong data-plane credential, and to an unknown endpoint: identical, so that
    /// it reveals nothing about which endpoints exist or how they authenticate.
    /// </summary>
    public static IResult Unauthorized(HttpContext context) => Problems.Unauthorized(context, "A valid credential is required.");
}
