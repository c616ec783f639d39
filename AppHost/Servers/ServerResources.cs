namespace AppHost.Servers;

/// <summary>
/// Which server a resource belongs to (the server itself, its init step, its port mapper) and where that server's
/// log is: what the run command names when the server cannot start.
/// </summary>
internal sealed record ServerLogAnnotation(string ServerName, string LogPath) : IResourceAnnotation;

/// <summary>A private PostgreSQL 15 server (Debian's) run by DCP from <c>postgres-run.sh</c>; data in a folder of ours.</summary>
public sealed class PostgresServerResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "bash", workingDirectory), IResourceWithConnectionString
{
    public const string User = "postgres";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, "tcp");

    /// <summary>It listens on 127.0.0.1 only (not "localhost", which clients may try as ::1 first).</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username={User};Password={Password}");
}

/// <summary>One service's database on the server; the service's EF migrations create it on first start.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={Name}");
}

/// <summary>A private RabbitMQ node (Debian's) run by DCP from <c>rabbitmq-run.sh</c>, with an epmd of its own.</summary>
public sealed class RabbitMqServerResource(string name, string workingDirectory)
    : ExecutableResource(name, "bash", workingDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, "amqp");

    /// <summary>The default guest user may connect from loopback only, which is all the node listens on.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://guest:guest@127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}/");
}
