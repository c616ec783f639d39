using Gateway.Service.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Gateway.Tests.Support;

/// <summary>
/// The gateway in-process on real PostgreSQL and RabbitMQ (InfrastructureFixture), with its own database, secret
/// and admin key files. Deploy is replaced by <see cref="InMemoryRoutingSource"/>; registry/compute/deploy REST
/// by a <see cref="TestNode"/> given as <paramref name="upstream"/>.
/// </summary>
public sealed class GatewayApp(InfrastructureFixture infrastructure, string database, Uri? upstream = null, Dictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("gateway-tests-").FullName;

    public InMemoryRoutingSource Routing { get; } = new();

    public string AdminKeyFile => Path.Combine(DataDirectory, "admin-key");

    public string AdminKey => File.ReadAllText(AdminKeyFile).Trim();

    // xUnit makes a new class instance (and so a new gateway with a new secret) per test: each gets its own
    // database too, since keys stored under one gateway secret cannot be derived under another.
    public string ConnectionString { get; } = infrastructure.PostgresConnectionString($"{database}_{Guid.NewGuid():N}"[..40]);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:gatewaydb", ConnectionString);
        builder.UseSetting("ConnectionStrings:messaging", infrastructure.RabbitMqConnectionString);
        builder.UseSetting("OTEL_SERVICE_NAME", "gateway-" + database);
        builder.UseSetting("DataRoot", DataDirectory);
        builder.UseSetting(TestPlatformCredential.Setting, TestPlatformCredential.Key);
        builder.UseSetting("Gateway:RoutingRefreshInterval", "01:00:00");
        var upstreamAddress = (upstream ?? new Uri("http://127.0.0.1:9")).ToString();
        foreach (var service in new[] { "registry", "compute", "deploy" })
        {
            builder.UseSetting($"services:{service}:http:0", upstreamAddress);
            builder.UseSetting($"services:{service}:grpc:0", upstreamAddress);
        }
        foreach (var (key, value) in settings ?? []) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services => services.AddSingleton<IRoutingTableSource>(Routing));
    }

    /// <summary>Sets the table and refreshes the gateway now (as a RoutingChanged would), waiting until it is in place.</summary>
    public async Task PublishRoutingAsync(long version, params EndpointRoute[] endpoints)
    {
        Routing.Set(version, endpoints);
        await Services.GetRequiredService<RoutingTableRefresher>().RefreshAsync(CancellationToken.None);
    }

    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
    }
}

[CollectionDefinition(nameof(InfrastructureCollection))]
public sealed class InfrastructureCollection : ICollectionFixture<InfrastructureFixture>;
