using AppHost.Hosting;
using AppHost.Resources;

namespace AppHost.Orchestration;

/// <summary>A .NET service: <c>dotnet {Project}.dll</c> with the instance's environment; healthy when <c>GET /health</c> answers 200.</summary>
internal sealed class ProjectRunner(ResourceInstance instance, ProcessLog log, HttpClient http) : ResourceRunner(instance, log)
{
    private ManagedProcess? _process;

    public override ManagedProcess? Process => _process;

    protected override Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var project = (ProjectResource)Instance.Resource;
        if (!File.Exists(project.AssemblyPath))
            throw new FileNotFoundException($"{project.AssemblyPath} does not exist: build the solution first (dotnet build Aspire.sln -c Release).");
        _process = ManagedProcess.Start(
            new ProcessSpec("dotnet", [project.AssemblyPath])
            {
                Environment = Instance.Environment,
                WorkingDirectory = Path.GetDirectoryName(project.AssemblyPath),
            },
            Log);
        Log.Append($"started {project.ProjectDirectory} (pid {_process.Pid}) on {string.Join(", ", Instance.Addresses)}");
        return Task.CompletedTask;
    }

    public override async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(Instance.HttpAddress!, "/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>SIGTERM lets ASP.NET Core shut down gracefully; SIGKILL follows after 10 s.</summary>
    protected override Task StopCoreAsync() => _process?.StopAsync(TimeSpan.FromSeconds(10)) ?? Task.CompletedTask;
}
