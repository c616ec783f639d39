using AppHost.Hosting;

namespace AppHost.Tests;

public sealed class ResourceGraphTests
{
    [Fact]
    public void Servers_start_before_the_projects_that_reference_them_and_dependents_after_their_dependencies()
    {
        using var app = new TestApp();
        var b = app.Builder;
        // Declared in an order that the graph has to fix.
        var gateway = b.AddProject("gateway", "Gateway.Service");
        var deploy = b.AddProject("deploy", "Deploy.Service");
        var registry = b.AddProject("registry", "Registry.Service");
        var postgres = b.AddPostgres("postgres");
        var db = postgres.AddDatabase("registrydb");
        var messaging = b.AddRabbitMQ("messaging");
        registry.WithReference(db).WithReference(messaging);
        deploy.WithReference(registry).WaitFor(messaging);
        gateway.WithReference(deploy).WaitFor(registry);

        var order = b.BuildModel().StartOrder.Select(r => r.Name).ToList();

        Assert.Equal(["postgres", "messaging", "registry", "deploy", "gateway"], order);
    }

    [Fact]
    public void Waiting_for_a_database_is_waiting_for_its_server()
    {
        using var app = new TestApp();
        var b = app.Builder;
        var registry = b.AddProject("registry", "Registry.Service");
        var db = b.AddPostgres("postgres").AddDatabase("registrydb");
        registry.WaitFor(db);

        var model = b.BuildModel();

        Assert.Equal(["postgres"], model.Dependencies[registry.Resource].Select(r => r.Name));
        Assert.DoesNotContain(model.StartOrder, r => r.Name == "registrydb");
        Assert.DoesNotContain(model.Instances, i => i.Name == "registrydb");
    }

    [Fact]
    public void Resources_that_wait_for_each_other_in_a_cycle_are_refused_with_the_cycle_named()
    {
        using var app = new TestApp();
        var b = app.Builder;
        var a = b.AddProject("alpha", "Alpha");
        var beta = b.AddProject("beta", "Beta");
        var gamma = b.AddProject("gamma", "Gamma");
        a.WaitFor(beta);
        beta.WithReference(gamma);
        gamma.WaitFor(a);

        var error = Assert.Throws<InvalidOperationException>(() => b.BuildModel());

        Assert.Contains("alpha -> beta -> gamma -> alpha", error.Message);
    }

    [Fact]
    public void A_resource_cannot_wait_for_or_reference_itself()
    {
        using var app = new TestApp();
        var project = app.Builder.AddProject("alpha", "Alpha");
        Assert.Throws<ArgumentException>(() => project.WaitFor(project));
        Assert.Throws<ArgumentException>(() => project.WithReference(project));
    }

    [Fact]
    public void A_reference_to_a_resource_of_another_application_is_refused()
    {
        using var app = new TestApp();
        using var other = new TestApp();
        var foreign = other.Builder.AddRabbitMQ("messaging");
        app.Builder.AddProject("alpha", "Alpha").WithReference(foreign);

        var error = Assert.Throws<InvalidOperationException>(() => app.Builder.BuildModel());
        Assert.Contains("'messaging'", error.Message);
    }

    [Fact]
    public void Two_resources_with_the_same_name_are_refused()
    {
        using var app = new TestApp();
        app.Builder.AddProject("registry", "Registry.Service");
        Assert.Throws<InvalidOperationException>(() => app.Builder.AddRabbitMQ("registry"));
    }

    [Theory]
    [InlineData("Registry")]
    [InlineData("1st")]
    [InlineData("has space")]
    [InlineData("")]
    public void Resource_names_must_be_lower_case_identifiers(string name)
    {
        using var app = new TestApp();
        Assert.Throws<ArgumentException>(() => app.Builder.AddProject(name, "X"));
    }

    [Fact]
    public void A_project_runs_from_its_build_output_in_the_repository()
    {
        using var app = new TestApp("--repo", "/srv/platform", "--configuration", "Debug");
        var project = app.Builder.AddProject("registry", "Registry.Service").Resource;
        Assert.Equal("/srv/platform/Registry.Service/bin/Debug/net10.0/Registry.Service.dll", project.AssemblyPath);
    }
}
