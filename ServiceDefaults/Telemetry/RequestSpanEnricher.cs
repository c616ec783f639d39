using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// Names ASP.NET Core's request span after its route and tags it with method, path, route and status, as the
/// OpenTelemetry ASP.NET Core instrumentation would (that package is not part of what we build on): without it a server
/// span is only "Microsoft.AspNetCore.Hosting.HttpRequestIn" with no attributes. Requests whose trace is not recorded
/// pass straight through.
/// </summary>
public static class RequestSpanEnricher
{
    private const string HostingActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    public static WebApplication UseRequestSpanEnricher(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (Activity.Current is not { IsAllDataRequested: true, OperationName: HostingActivity } activity) return next(context);
            if (!IsProbe(context.Request.Path)) return EnrichAsync(context, next, activity);
            // Health probes come every second from the AppHost and from Kubernetes: recording them would push every
            // real trace out of the dashboard. Unrecorded, their child spans (the database ping) are dropped too.
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            return next(context);
        });
        return app;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");

    private static async Task EnrichAsync(HttpContext context, RequestDelegate next, Activity activity)
    {
        var request = context.Request;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        activity.DisplayName = route is null ? request.Method : $"{request.Method} {route}";
        activity.SetTag("http.request.method", request.Method);
        activity.SetTag("url.path", request.Path.Value);
        if (route is not null) activity.SetTag("http.route", route);
        activity.SetTag("network.protocol.version", request.Protocol);
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500) activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
