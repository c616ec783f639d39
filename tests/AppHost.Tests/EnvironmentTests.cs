using AppHost.Hosting;

namespace AppHost.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void A_project_gets_its_endpoints_connection_strings_and_referenced_services()
    {
        using var app = new TestApp();
        var b = app.Builder;
        var postgres = b.AddPostgres("postgres");
        var registryDb = postgres.AddDatabase("registrydb");
        var deployDb = postgres.AddDatabase("deploydb");
        var messaging = b.AddRabbitMQ("messaging");
        var registry = b.AddProject("registry", "Registry.Service").WithReference(registryDb);
        b.AddProject("deploy", "Deploy.Service").WithReference(deployDb).WithReference(messaging).WithReference(registry);

        var model = b.BuildModel();
        var deploy = model["deploy"];
        var env = deploy.Environment;
        var pg = postgres.Resource;

        Assert.Equal("deploy", env["OTEL_SERVICE_NAME"]);
        Assert.Equal($"http://127.0.0.1:{deploy.HttpAddress!.Port}", env["Kestrel__Endpoints__http__Url"]);
        Assert.Equal($"http://127.0.0.1:{deploy.GrpcAddress!.Port}", env["Kestrel__Endpoints__grpc__Url"]);
        Assert.Equal("Http2", env["Kestrel__Endpoints__grpc__Protocols"]);
        Assert.Equal($"Host=127.0.0.1;Port={pg.Port};Database=deploydb;Username=postgres;Password={pg.Password}", env["ConnectionStrings__deploydb"]);
        Assert.Equal($"amqp://guest:guest@127.0.0.1:{messaging.Resource.Port}/", env["ConnectionStrings__messaging"]);
        Assert.Equal(model["registry"].HttpAddress!.GetLeftPart(UriPartial.Authority), env["services__registry__http__0"]);
        Assert.Equal(model["registry"].GrpcAddress!.GetLeftPart(UriPartial.Authority), env["services__registry__grpc__0"]);
        Assert.Equal(app.DataRoot, env["DataRoot"]);
        // Only what it references: not the other service's database.
        Assert.False(env.ContainsKey("ConnectionStrings__registrydb"));
        Assert.False(model["registry"].Environment.ContainsKey("services__deploy__http__0"));
        Assert.NotEqual(0, pg.Port);
        Assert.Matches("^[0-9a-f]{32}$", pg.Password);
    }

    [Fact]
    public void Every_endpoint_gets_its_own_port()
    {
        using var app = new TestApp();
        var b = app.Builder;
        b.AddPostgres("postgres");
        b.AddRabbitMQ("messaging");
        b.AddProject("alpha", "Alpha");
        b.AddProject("beta", "Beta").WithReplicas(3);

        var model = b.BuildModel();
        var ports = model.Instances.SelectMany(i => new[] { i.HttpAddress?.Port, i.GrpcAddress?.Port }).OfType<int>()
            .Concat(model.StartOrder.OfType<PostgresServerResource>().Select(p => p.Port))
            .Concat(model.StartOrder.OfType<RabbitMQServerResource>().Select(p => p.Port))
            .ToList();

        Assert.Equal(2 + 2 + 3 * 2, ports.Count);
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void Replicas_are_named_by_index_and_a_referencing_project_learns_every_one()
    {
        using var app = new TestApp();
        var b = app.Builder;
        var inference = b.AddProject("inference", "Inference.Service")
            .WithReplicas(3)
            .WithEnvironment("Inference__NodeName", instance => instance.Name);
        b.AddProject("gateway", "Gateway.Service").WithReference(inference);

        var model = b.BuildModel();

        var replicas = model.InstancesOf(inference.Resource).ToList();
        Assert.Equal(["inference-0", "inference-1", "inference-2"], replicas.Select(r => r.Name));
        Assert.Equal(["inference-0", "inference-1", "inference-2"], replicas.Select(r => r.Environment["Inference__NodeName"]));
        Assert.All(replicas, r => Assert.Equal("inference", r.Environment["OTEL_SERVICE_NAME"]));
        Assert.Equal(3, replicas.Select(r => r.HttpAddress).Distinct().Count());
        var gateway = model["gateway"].Environment;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(replicas[i].HttpAddress!.GetLeftPart(UriPartial.Authority), gateway[$"services__inference__http__{i}"]);
            Assert.Equal(replicas[i].GrpcAddress!.GetLeftPart(UriPartial.Authority), gateway[$"services__inference__grpc__{i}"]);
        }
        Assert.False(gateway.ContainsKey("services__inference__http__3"));
    }

    [Fact]
    public void Zero_replicas_run_nothing_and_a_referencing_project_learns_no_address()
    {
        using var app = new TestApp();
        var inference = app.Builder.AddProject("inference", "Inference.Service").WithReplicas(0);
        app.Builder.AddProject("gateway", "Gateway.Service").WithReference(inference);

        var model = app.Builder.BuildModel();

        Assert.Empty(model.InstancesOf(inference.Resource));
        Assert.DoesNotContain(model["gateway"].Environment.Keys, k => k.StartsWith("services__inference", StringComparison.Ordinal));
    }

    [Fact]
    public void Fixed_ports_are_used_as_given()
    {
        using var app = new TestApp();
        app.Builder.AddProject("gateway", "Gateway.Service").WithHttpEndpoint(28080).WithGrpcEndpoint(28081);

        var gateway = app.Builder.BuildModel()["gateway"];

        Assert.Equal("http://127.0.0.1:28080", gateway.Environment["Kestrel__Endpoints__http__Url"]);
        Assert.Equal("http://127.0.0.1:28081", gateway.Environment["Kestrel__Endpoints__grpc__Url"]);
    }

    [Fact]
    public void The_same_fixed_port_twice_is_refused()
    {
        using var app = new TestApp();
        app.Builder.AddProject("alpha", "Alpha").WithHttpEndpoint(28080);
        app.Builder.AddProject("beta", "Beta").WithGrpcEndpoint(28080);

        var error = Assert.Throws<InvalidOperationException>(() => app.Builder.BuildModel());
        Assert.Contains("28080", error.Message);
    }

    [Fact]
    public void Replicas_cannot_share_a_fixed_port()
    {
        using var app = new TestApp();
        app.Builder.AddProject("inference", "Inference.Service").WithReplicas(2).WithHttpEndpoint(28080);
        Assert.Throws<InvalidOperationException>(() => app.Builder.BuildModel());
    }

    [Fact]
    public void The_postgres_password_is_created_once_and_kept_with_the_data()
    {
        using var app = new TestApp();
        app.Builder.AddPostgres("postgres");
        var first = app.Builder.BuildModel().StartOrder.OfType<PostgresServerResource>().Single().Password;

        var again = DistributedApplication.CreateBuilder(["--data", app.DataRoot]);
        again.AddPostgres("postgres");
        var second = again.BuildModel().StartOrder.OfType<PostgresServerResource>().Single().Password;

        Assert.Equal(first, second);
        Assert.Equal(first, File.ReadAllText(Path.Combine(app.DataRoot, "postgres", "password")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataRoot, "postgres", "password")));
    }

    [Fact]
    public void Environment_given_by_the_app_model_wins_over_the_defaults()
    {
        using var app = new TestApp("--otlp-endpoint", "http://127.0.0.1:4317");
        app.Builder.AddProject("alpha", "Alpha").WithEnvironment("DataRoot", "/elsewhere").WithEnvironment("Custom__Setting", "x");

        var env = app.Builder.BuildModel()["alpha"].Environment;

        Assert.Equal("/elsewhere", env["DataRoot"]);
        Assert.Equal("x", env["Custom__Setting"]);
        Assert.Equal("http://127.0.0.1:4317", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [Fact]
    public void Without_a_collector_traces_go_to_the_dashboard_and_sampling_follows_the_option()
    {
        using (var app = new TestApp("--dashboard-port", "19999", "--trace-sampling", "0.25"))
        {
            app.Builder.AddProject("alpha", "Alpha");
            var env = app.Builder.BuildModel()["alpha"].Environment;
            Assert.Equal("http://127.0.0.1:19999/v1/traces", env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
            Assert.Equal("http/protobuf", env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]);
            Assert.False(env.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.Equal("parentbased_traceidratio", env["OTEL_TRACES_SAMPLER"]);
            Assert.Equal("0.25", env["OTEL_TRACES_SAMPLER_ARG"]);
            Assert.Equal("http://127.0.0.1:19999/v1/metrics", env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]);
            Assert.Equal("5000", env["OTEL_METRIC_EXPORT_INTERVAL"]);
        }
        using (var app = new TestApp("--otlp-endpoint", "http://collector:4318"))
        {
            app.Builder.AddProject("alpha", "Alpha");
            var env = app.Builder.BuildModel()["alpha"].Environment;
            Assert.Equal("http://collector:4318", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.False(env.ContainsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
            Assert.False(env.ContainsKey("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        }
        using (var app = new TestApp("--trace-sampling", "0"))
        {
            app.Builder.AddProject("alpha", "Alpha");
            var env = app.Builder.BuildModel()["alpha"].Environment;
            Assert.False(env.ContainsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
            Assert.Equal("always_off", env["OTEL_TRACES_SAMPLER"]);
            Assert.True(env.ContainsKey("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        }
        Assert.Throws<ArgumentException>(() => new TestApp("--trace-sampling", "1.5"));
    }
}
