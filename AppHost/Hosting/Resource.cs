namespace AppHost.Hosting;

/// <summary>Something the AppHost starts or configures, named like Aspire's resources.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>Resources that must be healthy before this one starts (WaitFor).</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>The resource that actually runs for this one: a database runs inside its server.</summary>
    public virtual Resource RunsAs => this;

    public override string ToString() => Name;
}

/// <summary>A resource other resources reach through <c>ConnectionStrings__{Name}</c>.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>Available once the model is built (ports and passwords are known then).</summary>
    string GetConnectionString();
}

public sealed class PostgresServerResource(string name, string dataDirectory) : Resource(name)
{
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>0: a free port chosen when the model is built.</summary>
    public int Port { get; internal set; }

    public string Password { get; internal set; } = "";

    public List<PostgresDatabaseResource> Databases { get; } = [];

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Password={Password}";
}

public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server)
    : Resource(name), IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Server { get; } = server;

    public override Resource RunsAs => Server;

    public string GetConnectionString() => Server.ConnectionStringFor(DatabaseName);
}

public sealed class RabbitMQServerResource(string name, string dataDirectory) : Resource(name), IResourceWithConnectionString
{
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>0: a free port chosen when the model is built.</summary>
    public int Port { get; internal set; }

    public string GetConnectionString() => $"amqp://guest:guest@127.0.0.1:{Port}/";
}

/// <summary>One of our .NET services, run from its build output (<c>{Project}/bin/{Configuration}/net10.0/{Project}.dll</c>).</summary>
public sealed class ProjectResource(string name, string projectDirectory, string assemblyPath) : Resource(name)
{
    public string ProjectDirectory { get; } = projectDirectory;

    public string AssemblyPath { get; } = assemblyPath;

    public int Replicas { get; internal set; } = 1;

    /// <summary>Whether instances are named <c>{Name}-{i}</c> (set by WithReplicas, even for one replica).</summary>
    public bool IsReplicated { get; internal set; }

    /// <summary>Fixed ports (WithHttpEndpoint / WithGrpcEndpoint); null: free ports chosen when the model is built.</summary>
    public int? HttpPort { get; internal set; }

    public int? GrpcPort { get; internal set; }

    /// <summary>Databases, brokers and other projects this project is told about.</summary>
    public List<Resource> References { get; } = [];

    /// <summary>Extra environment, computed per instance (a replica's own name, for example).</summary>
    public List<KeyValuePair<string, Func<ResourceInstance, string>>> Environment { get; } = [];
}
