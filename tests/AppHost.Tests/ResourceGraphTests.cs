using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AppHost.Servers;

namespace AppHost.Tests;

/// <summary>The application model the app host declares, read through Aspire.Hosting.Testing without starting anything.</summary>
public sealed class ResourceGraphTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("apphost-graph-").FullName;

    [Fact]
    public async Task Every_service_waits_for_what_it_references_and_servers_wait_for_their_init_step()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(
            ["--data", _data, "--inference-nodes", "2", "--no-demo", "--quiet"]);
        var resources = builder.Resources.ToDictionary(r => r.Name);

        Assert.Superset(
            new HashSet<string> { "postgres", "postgres-init", "registrydb", "computedb", "deploydb", "gatewaydb", "messaging", "messaging-init", "messaging-epmd", "registry", "compute", "deploy", "inference", "gateway" },
            resources.Keys.ToHashSet());
        Assert.IsType<PostgresServerResource>(resources["postgres"]);
        Assert.IsType<RabbitMqServerResource>(resources["messaging"]);
        Assert.Equal(["postgres-init"], WaitsFor(resources["postgres"]));
        Assert.Equal(["messaging-epmd", "messaging-init"], WaitsFor(resources["messaging"]).Order());
        // Waiting for a database waits for its server too.
        Assert.Equal(["messaging", "postgres", "registrydb"], WaitsFor(resources["registry"]).Order());
        Assert.Equal(["compute", "deploydb", "messaging", "postgres", "registry"], WaitsFor(resources["deploy"]).Order());
        Assert.Equal(["compute"], WaitsFor(resources["inference"]));
        Assert.Equal(["deploy", "gatewaydb", "messaging", "postgres"], WaitsFor(resources["gateway"]).Order());
        Assert.Equal(2, resources["inference"].Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.All(new[] { "registry", "compute", "deploy", "inference", "gateway" },
            name => Assert.Equal(["grpc", "http"], ((IResourceWithEndpoints)resources[name]).GetEndpoints().Select(e => e.EndpointName).Order()));
    }

    [Fact]
    public async Task A_database_connection_string_names_the_server_and_the_database()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(["--data", _data, "--no-demo"]);
        var database = (PostgresDatabaseResource)builder.Resources.Single(r => r.Name == "deploydb");

        // By reference: the port and the password are resolved when the app runs (the password is a secret parameter).
        Assert.Equal("{postgres.connectionString};Database=deploydb", database.ConnectionStringExpression.ValueExpression);
        Assert.Equal("Host=127.0.0.1;Port={postgres.bindings.tcp.port};Username=postgres;Password={postgres-password.value}",
            database.Parent.ConnectionStringExpression.ValueExpression);
        Assert.True(File.Exists(Path.Combine(_data, "postgres", "password")));
    }

    private static IEnumerable<string> WaitsFor(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct();

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
