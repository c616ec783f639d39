using Compute.Service.Application;

namespace Compute.Service.Apis;

/// <summary>Answers a refused operation with RFC 7807 problem details whose status says why it was refused.</summary>
public sealed class ComputeProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ComputeException ex)
        {
            return ex.Kind switch
            {
                ComputeErrorKind.InvalidArgument => TypedResults.ValidationProblem(ex.Errors, title: "The compute request is invalid."),
                ComputeErrorKind.NotFound => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
                ComputeErrorKind.ResourceExhausted => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Over quota"),
                _ => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
            };
        }
    }
}
