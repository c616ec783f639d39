using Compute.Service.Application;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Compute.Tests.Integration;

/// <summary>Compute.Service hosted in-process against the fixture's real PostgreSQL and RabbitMQ.</summary>
public sealed class ComputeApp(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public string Database => new Npgsql.NpgsqlConnectionStringBuilder(settings["ConnectionStrings:computedb"]).Database!;

    public string ConnectionString => settings["ConnectionStrings:computedb"]!;

    public IReadOnlyDictionary<string, string?> Settings => settings;

    /// <summary>A fresh database of its own, so capacity seen by one test is not changed by another.</summary>
    public static async Task<ComputeApp> StartAsync(InfrastructureFixture infra, Action<Dictionary<string, string?>>? configure = null, bool kestrel = false)
    {
        var database = "compute_" + Guid.NewGuid().ToString("N")[..16];
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:computedb"] = await infra.PostgresConnectionStringAsync(database),
            ["ConnectionStrings:messaging"] = infra.RabbitMqConnectionString,
            ["DataRoot"] = Directory.CreateTempSubdirectory("compute-tests-").FullName,
            ["OTEL_SERVICE_NAME"] = "compute",
            [TestPlatformCredential.Setting] = TestPlatformCredential.Key,
            // Long enough that nodes stay Healthy for a whole test unless a test asks otherwise.
            ["Compute:HeartbeatIntervalSeconds"] = "30",
            ["Compute:MissedHeartbeatsBeforeUnhealthy"] = "3",
            ["Compute:ProvisioningPollMilliseconds"] = "250",
            ["Compute:ApiServerTimeoutSeconds"] = "3",
        };
        configure?.Invoke(settings);
        if (!kestrel) return Start(settings);
        var app = new ComputeApp(settings);
        app.UseKestrel();
        app.StartServer();
        return app;
    }

    /// <summary>The same service again on the same database and keys, as after a restart.</summary>
    public static ComputeApp Start(IReadOnlyDictionary<string, string?> settings)
    {
        var app = new ComputeApp(settings);
        app.CreateClient().Dispose();   // starts the host: migrations are applied before this returns
        return app;
    }

    /// <summary>
    /// The service on real Kestrel endpoints configured as AppHost configures them (<c>http</c>, and <c>grpc</c> with
    /// HTTP/2 only), for callers that need a real socket: the gRPC client speaks h2c with prior knowledge.
    /// </summary>
    public static async Task<(ComputeApp App, Uri Grpc)> StartOnKestrelAsync(InfrastructureFixture infra)
    {
        var grpc = new Uri($"http://127.0.0.1:{FreePort()}");
        var app = await StartAsync(infra, s =>
        {
            s["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{FreePort()}";
            s["Kestrel:Endpoints:grpc:Url"] = grpc.ToString();
            s["Kestrel:Endpoints:grpc:Protocols"] = "Http2";
        }, kestrel: true);
        return (app, grpc);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Clients of the test server call as the platform does, with its credential.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        TestPlatformCredential.Authorize(client);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: Program reads connection strings while it builds.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    public async Task<T> InScopeAsync<TService, T>(Func<TService, Task<T>> action) where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public Task<NodeLease> RegisterNodeAsync(string name, double cores, double memoryGb, int gpus = 0) =>
        InScopeAsync<NodeRegistry, NodeLease>(nodes => nodes.RegisterAsync(
            new RegisterNodeCommand(name, $"http://127.0.0.1:61{name.Length:00}", $"http://127.0.0.1:62{name.Length:00}", cores, memoryGb, gpus, []),
            CancellationToken.None));

    public Task<ReservationResult> ReserveAsync(string id, string compute, int instances, double cores, double memoryGb, int gpus = 0) =>
        InScopeAsync<ReservationService, ReservationResult>(r => r.ReserveAsync(
            new ReserveCommand(id, compute, instances, cores, memoryGb, gpus), CancellationToken.None));

    public Task<bool> ReleaseAsync(string id) =>
        InScopeAsync<ReservationService, bool>(r => r.ReleaseAsync(id, CancellationToken.None));
}
