using GrpcLite.Health.V1;
using GrpcLite.Server;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServingStatus = GrpcLite.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GrpcLite.Health;

/// <summary>
/// grpc.health.v1.Health over the host's health checks. The empty service name is the whole
/// server; a mapped service's full name (or a health-check tag) narrows it to the checks tagged
/// with that name, or the whole server when none are tagged.
/// </summary>
internal sealed class HealthService(HealthCheckService healthChecks, GrpcServiceRegistry registry, IOptions<HealthCheckServiceOptions> checkOptions, IOptions<GrpcLiteOptions> options)
{
    public async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = await EvaluateAsync(request.Service, context.CancellationToken).ConfigureAwait(false);
        if (status == ServingStatus.ServiceUnknown)
        {
            throw new RpcException(StatusCode.NotFound, $"Service '{request.Service}' is unknown.");
        }
        return new HealthCheckResponse { Status = status };
    }

    /// <summary>Sends the current status, then every change, until the client goes away.</summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var interval = options.Value.HealthWatchInterval;
        ServingStatus? last = null;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var status = await EvaluateAsync(request.Service, context.CancellationToken).ConfigureAwait(false);
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
                last = status;
            }
            await Task.Delay(interval, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ServingStatus> EvaluateAsync(string service, CancellationToken cancellationToken)
    {
        Func<HealthCheckRegistration, bool>? predicate = null;
        if (!string.IsNullOrEmpty(service))
        {
            var tagged = checkOptions.Value.Registrations.Any(r => r.Tags.Contains(service));
            var mapped = registry.Services.Any(s => s.FullName == service);
            if (!tagged && !mapped)
            {
                return ServingStatus.ServiceUnknown;
            }
            if (tagged)
            {
                predicate = r => r.Tags.Contains(service);
            }
        }
        var report = await healthChecks.CheckHealthAsync(predicate, cancellationToken).ConfigureAwait(false);
        return report.Status == HealthStatus.Unhealthy ? ServingStatus.NotServing : ServingStatus.Serving;
    }
}
