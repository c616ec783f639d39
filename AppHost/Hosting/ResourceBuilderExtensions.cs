namespace AppHost.Hosting;

/// <summary>The app-model vocabulary, shaped like Aspire.Hosting's so the AppHost could move to it where it exists.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>The target framework folder of our build outputs.</summary>
    public const string TargetFramework = "net10.0";

    /// <summary>A PostgreSQL 15 server with its data under <c>{data}/{name}</c>; port 0 picks a free one.</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this DistributedApplicationBuilder builder, string name, int port = 0) =>
        builder.AddResource(new PostgresServerResource(name, builder.DataPath(name)) { Port = port });

    /// <summary>A database in the server, created before anything that waits for it starts; reached as <c>ConnectionStrings__{name}</c>.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        var added = server.ApplicationBuilder.AddResource(database);
        server.Resource.Databases.Add(database);
        return added;
    }

    /// <summary>A RabbitMQ node with its data under <c>{data}/{name}</c>; reached as <c>ConnectionStrings__{name}</c>.</summary>
    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this DistributedApplicationBuilder builder, string name, int port = 0) =>
        builder.AddResource(new RabbitMQServerResource(name, builder.DataPath(name)) { Port = port });

    /// <summary>One of our services, by its project folder (<c>Registry.Service</c>), run from its build output.</summary>
    public static IResourceBuilder<ProjectResource> AddProject(this DistributedApplicationBuilder builder, string name, string projectDirectory)
    {
        var options = builder.Options;
        var assembly = Path.Combine(options.RepositoryRoot, projectDirectory, "bin", options.Configuration, TargetFramework, projectDirectory + ".dll");
        return builder.AddResource(new ProjectResource(name, projectDirectory, assembly));
    }

    /// <summary>
    /// Tells the project about another resource: <c>ConnectionStrings__{name}</c> for a database or broker,
    /// <c>services__{name}__http__{i}</c> and <c>services__{name}__grpc__{i}</c> for a project.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<Resource> other)
    {
        if (other.Resource is not (IResourceWithConnectionString or ProjectResource))
            throw new ArgumentException($"'{other.Resource.Name}' cannot be referenced: only databases, brokers and projects can.");
        if (ReferenceEquals(other.Resource, builder.Resource))
            throw new ArgumentException($"'{builder.Resource.Name}' cannot reference itself.");
        if (!builder.Resource.References.Contains(other.Resource)) builder.Resource.References.Add(other.Resource);
        return builder;
    }

    /// <summary>Starts this resource only once <paramref name="other"/> is healthy (for a database: its server is, and the database exists).</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> other) where T : Resource
    {
        if (ReferenceEquals(other.Resource, builder.Resource))
            throw new ArgumentException($"'{builder.Resource.Name}' cannot wait for itself.");
        if (!builder.Resource.WaitsFor.Contains(other.Resource)) builder.Resource.WaitsFor.Add(other.Resource);
        return builder;
    }

    /// <summary>Runs <paramref name="replicas"/> instances named <c>{name}-0</c>, <c>{name}-1</c>, … each on its own ports.</summary>
    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        builder.Resource.Replicas = replicas;
        builder.Resource.IsReplicated = true;
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, string value) =>
        builder.WithEnvironment(name, _ => value);

    /// <summary>An environment variable whose value depends on the instance (a replica's own name, say).</summary>
    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, Func<ResourceInstance, string> value)
    {
        builder.Resource.Environment.Add(new(name, value));
        return builder;
    }

    /// <summary>Serves REST on a fixed port instead of a free one.</summary>
    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int port)
    {
        builder.Resource.HttpPort = port;
        return builder;
    }

    /// <summary>Serves gRPC (h2c) on a fixed port instead of a free one.</summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> builder, int port)
    {
        builder.Resource.GrpcPort = port;
        return builder;
    }
}
