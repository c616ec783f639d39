using Compute.Service.Application;
using ServiceDefaults.Http;

namespace Compute.Service.Apis;

/// <summary>Answers a refused operation with the platform's problem details (ServiceDefaults' Problems), whose status says why it was refused.</summary>
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
                ComputeErrorKind.InvalidArgument => Problems.Invalid(ex.Errors, "The compute request is invalid."),
                ComputeErrorKind.NotFound => Problems.NotFound(ex.Message, "Not found"),
                ComputeErrorKind.ResourceExhausted => Problems.Status(StatusCodes.Status429TooManyRequests, ex.Message, "Over quota"),
                _ => Problems.Conflict(ex.Message, "Conflict"),
            };
        }
    }
}
