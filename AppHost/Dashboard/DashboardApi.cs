using AppHost.Orchestration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AppHost.Dashboard;

/// <summary>The dashboard: a page, the resources as JSON, and each resource's console output since a sequence number.</summary>
internal static class DashboardApi
{
    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapGet("/", () => TypedResults.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        var api = app.MapGroup("/api");
        api.MapGet("/resources", GetResources);
        api.MapGet("/resources/{name}/logs", GetLogs);
        return app;
    }

    public sealed record ResourceView(
        string Name, string Type, string State, IReadOnlyList<string> Addresses, int Restarts, int? Pid,
        IReadOnlyList<int> ProcessGroups, int? ExitCode, DateTimeOffset? StartedAt, string? LogFile);

    public sealed record ResourcesView(bool Ready, string? Error, IReadOnlyList<ResourceView> Resources);

    public sealed record LogLineView(long Seq, DateTimeOffset Time, bool Err, string Text);

    public sealed record LogsView(string Name, long Next, IReadOnlyList<LogLineView> Lines);

    internal static Ok<ResourcesView> GetResources(Orchestrator orchestrator) =>
        TypedResults.Ok(new ResourcesView(
            orchestrator.AllHealthy.IsCompletedSuccessfully,
            orchestrator.FatalError?.Message,
            orchestrator.Runners.Select(r => new ResourceView(
                r.Instance.Name,
                r.Instance.Resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal),
                r.State.ToString(),
                r.Instance.Addresses,
                r.Restarts,
                r.Process is { HasExited: false } p ? p.Pid : null,
                r.ProcessGroups,
                r.ExitCode,
                r.StartedAt,
                r.Log.FilePath)).ToList()));

    internal static Results<Ok<LogsView>, ProblemHttpResult> GetLogs(Orchestrator orchestrator, string name, long after = -1)
    {
        var runner = orchestrator.Runners.FirstOrDefault(r => r.Instance.Name == name);
        if (runner is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown resource", detail: $"No resource named '{name}'.");
        var lines = runner.Log.Since(after + 1);
        return TypedResults.Ok(new LogsView(
            name,
            lines.Count > 0 ? lines[^1].Sequence : after,
            lines.Select(l => new LogLineView(l.Sequence, l.Time, l.IsError, l.Text)).ToList()));
    }
}
