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

    [Fact]
    public async Task The_brokers_erlang_never_starts_an_epmd_daemon_that_would_outlive_the_run()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(["--data", _data, "--no-demo"]);
        var broker = (RabbitMqServerResource)builder.Resources.Single(r => r.Name == "messaging");
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run));
        foreach (var callback in broker.Annotations.OfType<EnvironmentCallbackAnnotation>()) await callback.Callback(context);
        var flags = Assert.IsType<string>(context.EnvironmentVariables["ERL_FLAGS"]);
        Assert.Equal(RabbitMqBuilderExtensions.ErlangFlags, flags);

        // What RabbitMQ does when it finds no epmd (at start, and each minute after): an Erlang VM asks for a node name.
        // Without the flags that VM starts "epmd -daemon" on ERL_EPMD_PORT; with them it fails and nothing listens.
        var port = FreePort.Next();
        var erl = new System.Diagnostics.ProcessStartInfo("erl", ["-sname", $"probe{port}", "-noinput", "-s", "erlang", "halt"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ERL_EPMD_PORT"] = port.ToString(), ["ERL_FLAGS"] = flags },
        };
        using (var vm = System.Diagnostics.Process.Start(erl)!)
        {
            await vm.WaitForExitAsync();
            Assert.NotEqual(0, vm.ExitCode);
        }
        await Task.Delay(500);
        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync("127.0.0.1", port, CancellationToken.None).AsTask());
    }

    private static IEnumerable<string> WaitsFor(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct();

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
