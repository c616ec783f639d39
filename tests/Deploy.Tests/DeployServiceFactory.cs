using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TestSupport;

namespace Deploy.Tests;

[CollectionDefinition(nameof(InfrastructureCollection))]
public sealed class InfrastructureCollection : ICollectionFixture<InfrastructureFixture>;

/// <summary>Deploy.Service in-process on the fixture's real PostgreSQL (its own database) and RabbitMQ.</summary>
public sealed class DeployServiceFactory(InfrastructureFixture infrastructure, string database) : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "http://gateway.test:8080";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:deploydb", infrastructure.PostgresConnectionString(database));
        builder.UseSetting("ConnectionStrings:messaging", infrastructure.RabbitMqConnectionString);
        builder.UseSetting("OTEL_SERVICE_NAME", "deploy-tests-" + database);
        builder.UseSetting("Deploy:PublicBaseUrl", PublicBaseUrl);
        builder.UseSetting("Deploy:DataRoot", Path.Combine(infrastructure.RootDirectory, "data-" + database));
        builder.UseSetting("Deploy:RescanSeconds", "3600");
    }
}
