using Microsoft.AspNetCore.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Deploy.Tests;

[CollectionDefinition(nameof(InfrastructureCollection))]
public sealed class InfrastructureCollection : ICollectionFixture<InfrastructureFixture>;

/// <summary>Deploy.Service in-process on the fixture's real PostgreSQL (its own database) and RabbitMQ.</summary>
public sealed class DeployServiceFactory(InfrastructureFixture infrastructure, string database, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "http://gateway.test:8080";

    /// <summary>Clients of the test server call as the gateway does, with the platform credential.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        TestPlatformCredential.Authorize(client);
    }

    /// <summary>A gRPC channel to the test server that carries the platform credential.</summary>
    public Grpc.Net.Client.GrpcChannel CreateGrpcChannel() => Grpc.Net.Client.GrpcChannel.ForAddress(new Uri("http://localhost"),
        new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = TestPlatformCredential.Handler(Server.CreateHandler()), MaxRetryAttempts = 0 });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:deploydb", infrastructure.PostgresConnectionString(database));
        builder.UseSetting("ConnectionStrings:messaging", infrastructure.RabbitMqConnectionString);
        builder.UseSetting("OTEL_SERVICE_NAME", "deploy-tests-" + database);
        builder.UseSetting("Deploy:PublicBaseUrl", PublicBaseUrl);
        builder.UseSetting("Deploy:DataRoot", Path.Combine(infrastructure.RootDirectory, "data-" + database));
        builder.UseSetting("Deploy:RescanSeconds", "3600");
        builder.UseSetting(TestPlatformCredential.Setting, TestPlatformCredential.Key);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        // Start the bus before the host counts as started: a factory disposed before its bus was up would otherwise
        // leave that bus starting afterwards, with a disposed container, taking messages off the next factory's queue.
        builder.ConfigureTestServices(services => services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true));
    }
}
