using System.Net;
using AppHost.Dashboard;
using AppHost.Dashboard.Metrics;
using AppHost.Dashboard.Traces;
using AppHost.Orchestration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AppHost.Hosting;

/// <summary>The running application: the orchestrator as a hosted service, and the dashboard on Kestrel beside it.</summary>
public sealed class DistributedApplication
{
    private readonly ApplicationModel _model;
    private readonly AppHostOptions _options;
    private readonly List<Action<ApplicationModel>> _onReady = [];

    internal DistributedApplication(ApplicationModel model, AppHostOptions options)
    {
        _model = model;
        _options = options;
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(AppHostOptions.Parse(args));

    public ApplicationModel Model => _model;

    /// <summary>Runs <paramref name="callback"/> once every resource is healthy (to print where things are, say).</summary>
    public DistributedApplication OnReady(Action<ApplicationModel> callback)
    {
        _onReady.Add(callback);
        return this;
    }

    /// <summary>Runs until Ctrl+C or SIGTERM; returns the process exit code (1 when a server could not start).</summary>
    public async Task<int> RunAsync()
    {
        using var ledger = ProcessLedger.Open(_options.DataRoot);
        if (ledger.KillLeftovers() is > 0 and var leftovers)
            Console.Out.WriteLine($"[apphost] stopped {leftovers} process group(s) left running by an earlier AppHost on {_options.DataRoot}");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, _options.DashboardPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(_model);
        builder.Services.AddSingleton(_options);
        builder.Services.AddSingleton(ledger);
        builder.Services.AddSingleton<Orchestrator>();
        builder.Services.AddSingleton<TraceStore>();
        builder.Services.AddSingleton<MetricStore>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Orchestrator>());

        await using var app = builder.Build();
        app.MapDashboard();
        app.MapTraces();
        app.MapMetrics();

        var orchestrator = app.Services.GetRequiredService<Orchestrator>();
        _ = orchestrator.AllHealthy.ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully) return;
            foreach (var callback in _onReady) callback(_model);
        }, TaskScheduler.Default);

        Console.Out.WriteLine($"[apphost] dashboard: http://127.0.0.1:{_options.DashboardPort}  data: {_options.DataRoot}");
        try
        {
            await app.RunAsync();
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: the dashboard port {_options.DashboardPort} is taken: {ex.Message} (choose another with --dashboard-port)");
            return 1;
        }
        return orchestrator.FatalError is null ? 0 : 1;
    }
}
