using ServiceDefaults.Http;

namespace Gateway.Service.Auth;

/// <summary>Guards every <c>/api/v1</c> route: <c>Authorization: Bearer &lt;admin key&gt;</c>, else 401 problem details.</summary>
public sealed class AdminKeyFilter(AdminKey adminKey) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var credential = BearerCredential.From(context.HttpContext.Request);
        if (credential.IsEmpty || !adminKey.Matches(credential))
            return ValueTask.FromResult<object?>(Unauthorized(context.HttpContext, "The admin key is missing or wrong."));
        return next(context);
    }

    public static IResult Unauthorized(HttpContext context, string detail) => Problems.Unauthorized(context, detail);
}
